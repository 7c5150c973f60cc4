"""Storage: the engine, migrations, the plain-SQL reads and keyset paging."""

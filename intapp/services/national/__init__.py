"""The national returns: the Client Level Data (CLD) extract and the SALT and ASCOF
figures derived from it."""

"""Reusable widgets: the key footer, dialogs and lists shared by every screen."""

"""The public map page and the address look-up."""

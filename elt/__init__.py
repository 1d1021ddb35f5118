"""The `elt` command line and the pieces around the loaders: warehouse selection, release, status."""

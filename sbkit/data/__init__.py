"""Catalogues, image I/O, sketch normalisation and the built-in demo catalogue."""

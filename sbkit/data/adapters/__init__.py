"""Readers for the layouts of public datasets, each turning one into a :class:`~sbkit.data.catalogue.Catalogue`."""

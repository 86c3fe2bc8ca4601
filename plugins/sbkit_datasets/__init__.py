"""sbkit plugin sbkit_datasets."""

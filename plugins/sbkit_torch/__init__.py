"""sbkit plugin sbkit_torch."""

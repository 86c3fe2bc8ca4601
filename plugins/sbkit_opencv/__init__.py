"""sbkit plugin sbkit_opencv."""

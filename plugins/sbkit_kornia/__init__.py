"""sbkit plugin sbkit_kornia."""

"""The stages of ``sbkit run``: prepare tensors and sketches, train, evaluate, report."""

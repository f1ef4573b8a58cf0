"""Models: face-trained networks ported to PyTorch and the files they load from."""

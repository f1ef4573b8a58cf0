"""Face authentication with PyTorch and timm: the workshop's reference package."""

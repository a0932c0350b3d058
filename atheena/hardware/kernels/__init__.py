"""Streaming kernels: each a valid/ready module with flat `lanes x 16`-bit ports (HWC order)."""

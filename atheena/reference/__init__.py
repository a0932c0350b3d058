"""Reference models of `atheena` networks (what the hardware must compute)."""

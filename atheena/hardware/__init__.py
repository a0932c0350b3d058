"""Hardware: streaming kernels generated with PyCDE, SystemVerilog emission, RTL simulation."""

// lower-atheena-to-handshake refuses an unfolded network and a missing output directory
// (python_tests/hardware/test_network.py simulates the RTL it writes).
// RUN: atheena import --example b-lenet -q -o %t.mlir
// RUN: not atheena-opt %t.mlir --pass-pipeline='builtin.module(lower-atheena-to-handshake)' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NODIR
// NODIR: error: lower-atheena-to-handshake needs an output directory: lower-atheena-to-handshake{rtl=path/to/dir}
// RUN: not atheena-opt %t.mlir --pass-pipeline='builtin.module(lower-atheena-to-handshake{rtl=%t.rtl})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=UNFOLDED
// UNFOLDED: no folding; run the `fold` pass (or `atheena dse`) before lowering to hardware

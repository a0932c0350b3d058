// size-buffers gives the backbone's conditional buffer a depth from the exit-process
// simulation and the exit's result buffer the minimum of 2 samples; the design's
// prediction becomes the simulated rate (fold's figure stays as balanced_cycles_per_sample).
// RUN: atheena import --example b-lenet -q \
// RUN:   | atheena-opt --pass-pipeline='builtin.module(fold{board=zc706 budget=0.5 exit_probabilities=0.75}, size-buffers)' \
// RUN:       --mlir-elide-elementsattrs-if-larger 1 | FileCheck %s

// CHECK-LABEL: func.func @forward
// CHECK-SAME: atheena.buffers = {exit0 = {cycles_per_sample = {{[0-9.e+-]+}} : f64, depth = {{[0-9]+}} : i64, independent_cycles_per_sample = {{[0-9.e+-]+}} : f64, loss = {{[0-9.e+-]+}} : f64, pattern = "bernoulli"}}
// CHECK-SAME: atheena.design = {balanced_cycles_per_sample = 1.800000e+03 : f64
// CHECK: "atheena.conditional_buffer"{{.*}}depth = {{[0-9]+}} : i64{{.*}}mode = "drop_on_exit"
// CHECK: "atheena.conditional_buffer"{{.*}}depth = 2 : i64{{.*}}mode = "forward_on_exit"

// It needs a folded network with reach probabilities:
// RUN: atheena import --example b-lenet -q -o %t.mlir
// RUN: not atheena-opt %t.mlir --pass-pipeline='builtin.module(size-buffers)' 2>&1 | FileCheck %s --check-prefix=UNFOLDED
// UNFOLDED: error: size-buffers needs a folded network with reach probabilities
// RUN: not atheena-opt %t.mlir --pass-pipeline='builtin.module(size-buffers{max_loss=1.5})' 2>&1 | FileCheck %s --check-prefix=LOSS
// LOSS: error: max_loss 1.5 must be in (0, 1)

// A threshold above what the fixed-point decision resolves faithfully gets a warning at its exit.
// The decision compares a sum of rounded exp ROM entries with floor(2**16 / t); over 10 logits the
// rounding may be off by 4.5 codes, and at t = 0.9999 the tail the threshold allows is only 6.5
// codes, so samples near it may go either way.  The limit (`faithful_limit`: the worst error at
// most 10% of that tail) is 0.99931 for 10 classes: 0.999 passes without a warning.
// RUN: atheena-opt %inputs/tiny-ee.mlir --pass-pipeline='builtin.module(annotate-exit-probabilities{samples=4 thresholds=0.9999})' \
// RUN:     -o /dev/null 2>&1 | FileCheck %s --check-prefix=ABOVE
// ABOVE: {{.*}}tiny-ee.mlir:19:8: warning: threshold 0.9999 is above 0.99931, the largest this exit's fixed-point decision resolves faithfully
// RUN: atheena-opt %inputs/tiny-ee.mlir --pass-pipeline='builtin.module(annotate-exit-probabilities{samples=4 thresholds=0.999})' \
// RUN:     -o /dev/null 2>&1 | FileCheck %s --check-prefix=BELOW --allow-empty
// BELOW-NOT: warning

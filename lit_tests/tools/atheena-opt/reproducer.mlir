// When a pass fails, its input is saved and the command that replays the failure
// is printed; running that command fails the same way.
// RUN: not atheena-opt %s --pass-pipeline='builtin.module(canonicalize, convert-torch-to-atheena)' 2> %t.err
// RUN: FileCheck %s < %t.err
// RUN: sed -n 's/^  \(atheena-opt .*\)$/\1/p' %t.err > %t.cmd
// RUN: not sh %t.cmd 2>&1 | FileCheck %s --check-prefix=REPLAY
// CHECK: error: pass 'convert-torch-to-atheena' failed:
// CHECK: sigmoid is not supported
// CHECK: reproduce with:
// CHECK-NEXT: atheena-opt {{.*}}atheena-opt-reproducer-{{.*}}.mlir --pass-pipeline='builtin.module(convert-torch-to-atheena)'
// REPLAY: sigmoid is not supported
func.func @f(%arg0: !torch.vtensor<[1,2,2,2],f32>) -> !torch.vtensor<[1,2,2,2],f32> {
  %0 = torch.aten.sigmoid %arg0 : !torch.vtensor<[1,2,2,2],f32> -> !torch.vtensor<[1,2,2,2],f32>
  return %0 : !torch.vtensor<[1,2,2,2],f32>
}

"""atheena-opt's own logic: expected-diagnostic matching and input splitting."""

from atheena.ir import Diagnostic
from atheena.tools import opt


def test_expectation_offsets():
    text = "a\n// expected-error @+2 {{two below}}\nb\nc // expected-error {{same line}}\n// expected-error @above {{above}}\n"
    got = [(e.line, e.text) for e in opt.expectations(text, 1)]
    assert got == [(4, "two below"), (4, "same line"), (4, "above")]


def test_unmatched_and_unexpected_diagnostics_are_both_reported():
    expected = opt.expectations("x // expected-error {{wanted}}\n", 1)
    problems = opt.check_diagnostics([Diagnostic("f.mlir", 1, 3, "something else")], expected, "f.mlir")
    assert problems == ["f.mlir:1:3: unexpected error: something else",
                        'f.mlir:1: expected error "wanted" was not produced']
    expected = opt.expectations("x // expected-error {{wanted}}\n", 1)
    assert opt.check_diagnostics([Diagnostic("f.mlir", 1, 3, "it is wanted here")], expected, "f.mlir") == []


def test_split_chunks_keep_file_line_numbers():
    text = "l1\nl2\n// -----\nl4\n// -----\nl6\n"
    chunks = opt.chunks(text, split=True)
    assert [first for _, first in chunks] == [1, 4, 6]
    for body, first in chunks:
        assert body.splitlines()[first - 1] == f"l{first}"

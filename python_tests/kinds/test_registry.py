"""The op-kind registry: one kind per op the dialect declares, each complete."""

from atheena import kinds
from atheena.dialects import op_names


def test_every_op_of_the_dialect_has_a_kind_and_every_kind_an_op():
    assert set(kinds.names()) == set(op_names())


def test_kinds_are_listed_in_the_dialect_references_order():
    assert list(kinds.names()) == sorted(kinds.names(), key=lambda n: (kinds.KINDS[n].order, n))
    assert kinds.names()[0] == "atheena.conv2d" and kinds.names()[-1] == "atheena.exit_merge"


def test_each_role_of_the_exit_structure_has_one_kind():
    for role in ("split", "decision", "buffer", "merge", "reshape"):
        assert kinds.by_role(role).role == role


def test_every_layer_kind_imports_from_torch_and_no_torch_op_maps_to_two_kinds():
    seen = {}
    for kind in kinds.KINDS.values():
        if kind.role in ("layer", "reshape"):
            assert kind.torch_ops and kind.torch_layers, kind.name
        for op in kind.torch_ops:
            assert op not in seen, (op, seen.get(op), kind.name)
            seen[op] = kind.name

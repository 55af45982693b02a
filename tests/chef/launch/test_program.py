import pytest

from chef.launch import program as program_lib
from tests.chef.launch import nodes


def test_resolve_addresses_in_nested_kwargs():
    kwargs = {"a": program_lib.Address("replay"), "b": [1, (program_lib.Address("replay"),)]}
    assert program_lib.resolve_addresses(kwargs, {"replay": "h:1"}) == {"a": "h:1", "b": [1, ("h:1",)]}


def test_program_needs_a_main_node():
    program = program_lib.Program([program_lib.Node("w", nodes.always_crashes)])
    with pytest.raises(ValueError, match="main"):
        program.validate()


def test_unknown_service_address_is_refused():
    program = program_lib.Program(
        [program_lib.Node("learner", nodes.consumer, role="main", kwargs={"address": program_lib.Address("replay")})]
    )
    with pytest.raises(ValueError, match="no service node has that name"):
        program.validate()


def test_bad_role_and_duplicates():
    with pytest.raises(ValueError, match="role"):
        program_lib.Node("x", nodes.fails_main, role="boss")
    program = program_lib.Program()
    program.add(program_lib.Node("x", nodes.fails_main, role="main"))
    with pytest.raises(ValueError, match="duplicate"):
        program.add(program_lib.Node("x", nodes.fails_main))

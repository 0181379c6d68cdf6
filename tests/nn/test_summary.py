"""``summary()``: a model's layers, shapes, activations and parameter counts at a glance."""

import textwrap

from micrograd import MLP
from micrograd.nn import Layer, Module, Neuron


def test_mlp_summary_lists_each_layer_and_the_total():
    assert MLP(2, [16, 16, 1]).summary() == textwrap.dedent(
        """\
        MLP(2, [16, 16, 1])
        module   shape     activation  parameters
        layer 0  2 -> 16   relu                48
        layer 1  16 -> 16  relu               272
        layer 2  16 -> 1   linear              17
        total                                 337"""
    )


def test_summary_total_is_the_number_of_parameters():
    for model in (MLP(3, [4, 4, 1]), MLP(784, [64, 10], activation="tanh"), MLP(1, [1])):
        total = int(model.summary().splitlines()[-1].split()[-1].replace(",", ""))
        assert total == len(model.parameters())


def test_large_counts_get_thousands_separators():
    lines = MLP(784, [64, 10]).summary().splitlines()
    assert lines[2].split()[-1] == "50,240" and lines[-1].split()[-1] == "50,890"


def test_layer_and_neuron_summaries_have_one_row_and_a_total():
    assert Layer(3, 2, activation="tanh").summary() == textwrap.dedent(
        """\
        Layer(3, 2)
        module  shape   activation  parameters
        layer   3 -> 2  tanh                 8
        total                                8"""
    )
    assert Neuron(2, nonlin=False).summary() == textwrap.dedent(
        """\
        Neuron(2)
        module  shape   activation  parameters
        neuron  2 -> 1  linear               3
        total                                3"""
    )


def test_a_layer_of_mixed_neurons_lists_each_activation_once():
    layer = Layer(2, 3)
    layer.neurons[1].activation = "tanh"
    assert layer.summary().splitlines()[2].split()[-2] == "relu/tanh"


def test_any_other_module_says_how_many_parameters_it_has():
    class Pair(Module):
        def parameters(self):
            return Neuron(1).parameters() + Neuron(2).parameters()

    assert Pair().summary() == "Pair: 5 parameters"


def test_a_parameter_holding_many_numbers_counts_each_of_them():
    class Block:  # stands for a Tensor parameter: `size` numbers in one object
        size = 6

    class TensorModule(Module):
        def parameters(self):
            return [Block(), Block(), *Neuron(2).parameters()]

    assert TensorModule().summary() == "TensorModule: 15 parameters"

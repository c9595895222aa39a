"""The catalogue of mistakes: every diagnosis tag with a plain explanation and a hint.

The tags are part of the result contract. Hints say where to look, never the
fixed code.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Entry:
    """What a tag means for a student."""

    tag: str
    title: str
    explanation: str
    hint: str


def _entries(*rows: tuple[str, str, str, str]) -> MappingProxyType[str, Entry]:
    return MappingProxyType({tag: Entry(tag, title, expl, hint) for tag, title, expl, hint in rows})


CATALOGUE = _entries(
    # Forward pass
    ("forward-missing-bias", "Bias left out of the forward pass",
     "A layer computes X @ W without adding its bias b, so the output ignores the bias values.",
     "Check every layer's weighted sum: each one should add its own bias row."),
    ("wrong-activation", "Wrong activation function",
     "A layer applies a different activation from the one the assignment asks for "
     "(or none at all), so its outputs have the wrong range and shape of curve.",
     "Compare the activation used on each layer with the assignment text, including the output layer."),
    ("forward-mismatch", "Forward pass gives different outputs",
     "The outputs of forward() differ from a correct network with the same weights and inputs.",
     "Trace one input through the network by hand and compare each layer's values with yours."),
    # Loss
    ("loss-mismatch", "Loss value is off",
     "loss(Y, Y_pred) does not return the loss the assignment defines.",
     "Check the formula and how you average: over all entries, over the batch, or not at all."),
    # Gradients
    ("gradient-sign", "Gradient has the wrong sign",
     "The update moves the parameters up the gradient instead of down it, so the loss grows.",
     "Look at the sign of the output error (prediction minus target, or the reverse) and of the update."),
    ("gradient-scale-inconsistent", "Parameters use different gradient scales",
     "Some parameters get their gradient multiplied by a different factor than others "
     "(for example bias gradients averaged over the batch while weight gradients are summed).",
     "Use the same convention for every parameter: either sum over the batch everywhere or average everywhere."),
    ("missing-activation-derivative", "Activation derivative left out",
     "When the error flows back through a layer it must be multiplied by the derivative of that "
     "layer's activation; one layer skips that factor.",
     "In the backward pass, check each layer's delta: is it multiplied by the activation's derivative?"),
    ("derivative-of-preactivation", "Sigmoid derivative taken at the wrong place",
     "The sigmoid derivative is A*(1-A) written with the activation A = sigmoid(Z), or "
     "sigmoid(Z)*(1-sigmoid(Z)) written with the pre-activation Z. Here a formula gets the wrong one: "
     "Z*(1-Z) on the pre-activation (or sigmoid applied a second time to A). The same holds for tanh.",
     "Look at what you pass to your derivative helper and what that helper expects: the layer's input sum Z "
     "or its output A?"),
    ("cross-entropy-gradient", "Cross-entropy gradient used with a squared-error loss",
     "The output delta is (A - Y), which is the gradient for cross-entropy with a sigmoid or softmax; "
     "for the squared error the output delta also needs the sigmoid derivative.",
     "Derive dLoss/dZ for the loss this assignment uses, not the one from another lab."),
    ("transposed-gradient", "A weight gradient is transposed",
     "A weight gradient has its rows and columns swapped; it only fits because the matrix is square.",
     "Check the order of the factors in each dW: which one is transposed, and which comes first?"),
    ("missing-bias-gradient", "A bias is never updated",
     "A bias keeps its value after a training step, so that layer can never shift its outputs.",
     "Make sure every bias gets a gradient and is updated like the weights."),
    ("stale-weights", "Backpropagates through weights already updated",
     "The error is sent back through a weight matrix after that matrix was updated in the same step, "
     "so the earlier layers get the gradient of a different network.",
     "Compute all gradients first, then update the parameters (or keep a copy of the old weights)."),
    ("gradient-mismatch", "Gradients do not match",
     "The gradients implied by your update are not the gradients of the assignment's loss.",
     "Check the backward pass layer by layer against the chain rule; a finite-difference check helps."),
    # Update
    ("ignores-learning-rate", "Learning rate ignored",
     "The size of the update does not change when the learning rate changes.",
     "Use the learning rate you are given (the lr attribute or argument) in every update."),
    ("update-mismatch", "Update does not apply the gradients",
     "Your update function does not move each parameter by minus the learning rate times the gradient "
     "your backward returns for it (a sign, a missing parameter, or another parameter's gradient).",
     "Update every parameter as param = param - lr * grad, with the gradient of that same parameter."),
    # Init
    ("symmetric-init", "Initialisation does not break symmetry",
     "All weights start at zero or hidden units start identical, so they receive identical gradients "
     "and stay identical: the network cannot learn XOR, and the loss stalls where every prediction is the "
     "average target (the message gives the value for this assignment's loss).",
     "Initialise weights with small random values; biases may start at zero."),
    ("bad-init-shape", "Parameters have the wrong shape",
     "A parameter created by the constructor does not have the shape the assignment specifies.",
     "Check the shapes of your weight matrices and bias rows against the assignment."),
    # Descent
    ("no-descent", "Training does not solve XOR",
     "Driving your forward and backward passes on XOR does not bring the loss down enough to solve it.",
     "The message says what went wrong. If an earlier check failed, fix it first: training uses your "
     "gradients. If the loss rose, the steps go up the gradient: look at the sign of the output error and "
     "of the update. If it fell too little, check that every step changes every parameter and that nothing "
     "changes between steps that should stay fixed (such as the learning rate)."),
    ("not-gradient-descent", "Training does not take gradient steps",
     "During training, the parameters changed by something other than the learning rate times the gradient "
     "of the loss (for example values written in directly, or a step that depends on which data it sees), "
     "so the result is not your network learning XOR.",
     "Let each training step only move every parameter by minus the learning rate times its gradient."),
    # Load and run
    ("syntax-error", "Syntax error", "Python could not read the file.",
     "Go to the line shown and fix the syntax (a missing colon, bracket or indentation)."),
    ("timeout", "Took too long", "Your code did not finish within the time limit (an endless loop?).",
     "Look for loops that never end, or training runs far longer than needed at top level."),
    ("crash", "Process ended", "Your code ended the Python process (sys.exit, os._exit, or a crash).",
     "Remove exit calls from your submission; let the code run to its end."),
    ("memory", "Out of memory", "Your code used more memory than allowed.",
     "Look for arrays that grow without bound or very large allocations."),
    ("output-limit", "Too much output", "Your code printed more than the grader keeps.",
     "Print less often, e.g. every few hundred epochs."),
    ("missing-interface", "Required interface not found",
     "The class, method or attribute the assignment asks for is missing or named differently.",
     "Compare the names in your code with the assignment's interface (spelling, capitals, indentation)."),
    ("exception", "Your code raised an error", "Your code raised an exception while the grader used it.",
     "Read the traceback: the last line of your own file shown is where it failed."),
    ("invalid-file", "File cannot be read",
     "The submission is not a readable Python file or Jupyter notebook.",
     "Open it in Jupyter or an editor, save it again as .ipynb (nbformat 4) or .py, and resubmit."),
    ("internal", "Grader error", "The grader itself failed on this submission: this is not your fault.",
     "Tell your instructor; the message below helps them."),
)


def describe(tag: str) -> Entry:
    """The catalogue entry of ``tag`` (a generic one for unknown tags)."""
    return CATALOGUE.get(tag) or Entry(tag, tag, "", "")

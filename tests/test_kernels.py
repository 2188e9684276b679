"""Tests of ohti.build.kernels: a warm kernel runs each notebook as if it were fresh; no network."""

from __future__ import annotations

import copy
import gc
import importlib
import os
import sys
import types
import warnings

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from ohti.build import kernels, warm
from ohti.build.execute import render_notebook
from ohti.build.kernels import KernelStartError, WarmKernel, shutdown_kernels, thread_kernel
from ohti.errors import BuildError

# --------------------------------------------------------------------------- the kernel's side

@pytest.mark.parametrize("spec", kernels.SHARED_RESULTS)
def test_each_shared_result_names_a_function(spec):
    module_name, _, attribute = spec.partition(":")
    function = getattr(importlib.import_module(module_name), attribute, None)
    assert callable(function), f"{spec}: {module_name} has no function {attribute} (see SHARED_RESULTS)"


@pytest.mark.parametrize("name", kernels.WARM_IMPORTS)
def test_each_warm_import_is_a_module(name):
    importlib.import_module(name)


def test_the_kernel_code_calls_the_warm_module():
    call = kernels.WARMUP_CALL % {"modules": ("numpy",), "shared": (), "size": 1, "folder_variable": "X"}
    assert call.startswith("__import__('ohti.build.warm', fromlist=['start']).start(('numpy',), ()")
    compile(call, "<warm-up>", "eval")
    compile(kernels.RESTORE_CALL % {"cwd": "/tmp/it's"}, "<restore>", "eval")
    assert callable(warm.start) and callable(warm.restore)


def _counted(result=None, fail_first=False):
    calls = []

    def function(*args, **kwargs):
        calls.append((args, kwargs))
        if fail_first and len(calls) == 1:
            raise ValueError("first call fails")
        return copy.deepcopy(result) if result is not None else {"args": list(args), "rows": [1, 2]}

    function.__module__, function.__qualname__ = "ohti.fake", "function"
    return function, calls


def test_a_shared_result_is_remembered_and_each_caller_gets_a_copy():
    function, calls = _counted()
    wrapped = warm.SharedResults(size=10).wrap(function)
    first = wrapped("01", level="area")
    first["rows"].append("changed by a document")
    second = wrapped("01", level="area")
    assert second == {"args": ["01"], "rows": [1, 2]}
    assert len(calls) == 1 and wrapped.__ohti_shared__ is function
    wrapped("01", level="ely")  # other arguments, another result
    wrapped(("01",), level="area")  # a tuple is not the string
    assert len(calls) == 3


def test_a_call_that_cannot_be_keyed_calls_through():
    function, calls = _counted()
    wrapped = warm.SharedResults(size=10).wrap(function)
    for _ in range(2):
        wrapped(object())
        wrapped(["01"], codes={"01"})  # a set is not keyed either
    assert len(calls) == 4
    with pytest.raises(warm.Unkeyable):
        warm.freeze({"a": {1, 2}})
    assert warm.freeze(1) != warm.freeze(1.0) != warm.freeze(True)


def test_a_call_that_raised_is_not_remembered():
    function, calls = _counted(fail_first=True)
    wrapped = warm.SharedResults(size=10).wrap(function)
    with pytest.raises(ValueError, match="first call fails"):
        wrapped("01")
    assert wrapped("01") == {"args": ["01"], "rows": [1, 2]}
    wrapped("01")
    assert len(calls) == 2


def test_the_least_recently_used_result_is_forgotten_first():
    function, calls = _counted()
    wrapped = warm.SharedResults(size=2).wrap(function)
    wrapped("a"), wrapped("b"), wrapped("a"), wrapped("c")  # "b" is the least recently used
    wrapped("a")
    assert len(calls) == 3
    wrapped("b")
    assert len(calls) == 4


def test_kernels_share_a_result_through_their_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("OHTI_TEST_SHARED", str(tmp_path))
    function, calls = _counted(result={"frame": list(range(5))})
    first = warm.SharedResults(size=10, folder_variable="OHTI_TEST_SHARED").wrap(function)
    second = warm.SharedResults(size=10, folder_variable="OHTI_TEST_SHARED").wrap(function)  # another kernel
    assert first("01") == second("01") == {"frame": [0, 1, 2, 3, 4]}
    assert len(calls) == 1
    assert len(list(tmp_path.glob("*.pickle"))) == 1 and len(list(tmp_path.glob("*.lock"))) == 1
    assert len(list(tmp_path.iterdir())) == 2  # no temporary file left


def test_a_result_that_cannot_be_pickled_stays_in_its_kernel(monkeypatch, tmp_path):
    monkeypatch.setenv("OHTI_TEST_SHARED", str(tmp_path))
    calls = []

    def function(code):
        calls.append(code)
        return {"code": code, "local": lambda: code}  # deep-copied as it is, never pickled

    function.__module__ = "ohti.fake"
    for _ in range(2):
        warm.SharedResults(size=10, folder_variable="OHTI_TEST_SHARED").wrap(function)("01")
    assert len(calls) == 2
    assert not list(tmp_path.glob("*.pickle"))


def test_without_a_folder_nothing_is_shared(monkeypatch, tmp_path):
    monkeypatch.setenv("OHTI_TEST_SHARED", str(tmp_path / "missing"))
    assert warm.SharedResults(size=1, folder_variable="OHTI_TEST_SHARED").folder() == ""
    assert warm.SharedResults(size=1).folder() == ""


def test_sharing_replaces_a_function_wherever_ohti_refers_to_it(monkeypatch):
    function, calls = _counted()
    home, user, other = (types.ModuleType(name) for name in ("ohti.fake", "ohti.fake_user", "elsewhere"))
    home.function = user.imported = other.function = function
    for module in (home, user, other):
        monkeypatch.setitem(sys.modules, module.__name__, module)
    replaced = warm.share(["ohti.fake:function", "ohti.fake:missing", "ohti.not_loaded:function"],
                          warm.SharedResults(size=10))
    assert replaced == ["ohti.fake:function"]
    assert home.function is user.imported and home.function.__ohti_shared__ is function
    assert other.function is function  # not an ohti module
    assert warm.share(["ohti.fake:function"], warm.SharedResults(size=10)) == []  # already shared


def test_unsharing_puts_the_functions_back_without_importing_lazy_modules(monkeypatch):
    from ohti.lazy import LazyModule

    function, calls = _counted()
    home = types.ModuleType("ohti.fake")
    home.function = function
    home.later = LazyModule("ohti_module_that_does_not_exist")  # importing it would fail
    monkeypatch.setitem(sys.modules, home.__name__, home)
    results = warm.SharedResults(size=10)
    assert warm.share(["ohti.fake:function"], results) == ["ohti.fake:function"]
    assert home.function is not function
    assert warm.unshare(results) == 1
    assert home.function is function and isinstance(home.later, LazyModule)


def test_restore_puts_back_what_a_document_changed(monkeypatch, tmp_path):
    import numpy
    import pandas

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OHTI_TEST_LEFT", raising=False)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(warnings, "filters", list(warnings.filters))
    monkeypatch.setattr(warm, "STATE", warm.KernelState().record())
    precision, display = numpy.get_printoptions()["precision"], pandas.get_option("display.precision")
    os.environ["OHTI_TEST_LEFT"] = "set"
    sys.path.append("extra")
    warnings.simplefilter("ignore")
    numpy.set_printoptions(precision=precision + 1)
    pandas.set_option("display.precision", display + 1)
    (tmp_path / "work").mkdir()
    os.chdir(tmp_path / "work")
    shell = types.SimpleNamespace(resets=[], reset=lambda **options: shell.resets.append(options))
    try:
        warm.restore(tmp_path, shell=shell)
    finally:
        gc.unfreeze()
    assert shell.resets == [{"new_session": True}]
    assert "OHTI_TEST_LEFT" not in os.environ and "extra" not in sys.path
    assert os.getcwd() == str(tmp_path)
    assert numpy.get_printoptions()["precision"] == precision
    assert pandas.get_option("display.precision") == display
    assert ("ignore", None, Warning, None, 0) not in warnings.filters


# --------------------------------------------------------------------------- warm kernels


def _notebook(path, *sources, parameters='step = 0'):
    nb = new_notebook()
    cell = new_code_cell(parameters)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell] + [new_code_cell(source) for source in sources]
    for number, cell in enumerate(nb.cells):
        cell.id = f"cell-{number}"
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                   "language_info": {"name": "python"}}
    nbformat.write(nb, path)
    return path


def _outputs(nb):
    return ["".join(o.get("text", "")) for c in nb.cells if c.cell_type == "code" for o in c.outputs]


@pytest.fixture(scope="module")
def kernel():
    with WarmKernel(extra_arguments=["--IPKernelApp.log_level=ERROR"], environment={"MPLBACKEND": "Agg"}) as warm:
        warm.start()
        yield warm


LEAKY = (
    # Everything a notebook might change, printed, then changed.
    "import os, sys, warnings\n"
    "import matplotlib, numpy, pandas\n"
    "print('leftover' in globals(), os.getcwd().endswith('work'), os.environ.get('OHTI_TEST'),\n"
    "      matplotlib.rcParams['font.size'], pandas.get_option('display.precision'),\n"
    "      numpy.get_printoptions()['precision'], sys.path[-1] == 'extra')\n"
    "warnings.warn('shown every time')\n"
    "leftover = 1\n"
    "os.makedirs('work', exist_ok=True); os.chdir('work')\n"
    "os.environ['OHTI_TEST'] = 'set'\n"
    "matplotlib.rcParams['font.size'] = 99\n"
    "pandas.set_option('display.precision', 1)\n"
    "numpy.set_printoptions(precision=2)\n"
    "sys.path.append('extra')\n"
)


@pytest.mark.build
@pytest.mark.slow
def test_each_document_starts_from_the_state_of_a_fresh_kernel(kernel, tmp_path):
    notebook = _notebook(tmp_path / "leaky.ipynb", LEAKY)
    first = render_notebook(notebook, tmp_path / "1.ipynb", {"step": 1}, kernel=kernel)
    second = render_notebook(notebook, tmp_path / "2.ipynb", {"step": 2}, kernel=kernel)
    assert _outputs(second) == _outputs(first)
    assert _outputs(first)[0].startswith("False False None")
    assert any("shown every time" in text for text in _outputs(second))  # warnings not swallowed
    counts = [c.execution_count for c in second.cells if c.cell_type == "code"]
    assert counts == [1, 2, 3]  # parameters, injected parameters, the cell
    assert kernel.documents >= 2 and kernel.starts == 1  # the same kernel ran both


@pytest.mark.build
@pytest.mark.slow
def test_shared_results_are_remembered_and_copied(kernel, tmp_path):
    code = (
        "import ohti.indicators.compute as compute\n"
        "frame = compute.compute_values('unemployment_rate', 'national', periods=['2023-10'])\n"
        "print(hasattr(compute.compute_values, '__ohti_shared__'), frame['value'].round(4).tolist())\n"
        "frame['value'] = -1.0  # a document that modifies what it got\n"
    )
    notebook = _notebook(tmp_path / "shared.ipynb", code)
    first = render_notebook(notebook, tmp_path / "1.ipynb", {"step": 1}, kernel=kernel)
    second = render_notebook(notebook, tmp_path / "2.ipynb", {"step": 2}, kernel=kernel)
    assert _outputs(first) == _outputs(second)
    assert _outputs(first)[0].startswith("True [9.6")  # 256 070 / 2 648 166 (12r5, 2023-10)


@pytest.mark.build
@pytest.mark.slow
def test_a_kernel_that_dies_fails_its_document_only(kernel, tmp_path):
    dying = _notebook(tmp_path / "dying.ipynb", "import os\nos._exit(1)")
    with pytest.raises(BuildError, match=r"the kernel stopped \(DeadKernelError"):
        render_notebook(dying, tmp_path / "dead.ipynb", {"step": 1}, kernel=kernel)
    fine = _notebook(tmp_path / "fine.ipynb", "print('alive')")
    nb = render_notebook(fine, tmp_path / "fine_out.ipynb", {"step": 2}, kernel=kernel)
    assert _outputs(nb) == ["alive\n"]
    assert kernel.starts == 2  # a new kernel for the next document


def test_a_kernel_that_cannot_start_is_tried_twice():
    kernel = WarmKernel(kernel_name="no-such-kernel")
    with pytest.raises(KernelStartError, match=r"'no-such-kernel' did not start or answer .* twice"):
        kernel.start()
    assert kernel.km is None and kernel.kc is None


@pytest.mark.build
@pytest.mark.slow
def test_thread_kernels_are_shut_down(tmp_path):
    first = thread_kernel()
    assert thread_kernel() is first  # one per thread, kept
    assert first.alive
    assert shutdown_kernels() >= 1
    assert not first.alive
    second = thread_kernel()
    assert second is not first
    shutdown_kernels()


# A document that asks for one shared result and says whether this kernel computed it (the
# engine's own cache of the indicator's values is empty when the result came from elsewhere).
SHARED_CALL = (
    "import ohti.indicators.compute as compute\n"
    "frame = compute.compute_values('unemployment_rate', 'ely', periods=['2023-09', '2023-10'])\n"
    "import pandas\n"
    "print(compute.evaluate.cache_info().misses > 0, frame['value'].round(4).tolist(),\n"
    "      int(pandas.util.hash_pandas_object(frame).sum()), frame.dtypes.astype(str).tolist())\n"
)


def _kernels_sharing(environment, count=2):
    base = {"MPLBACKEND": "Agg", **environment}
    return [WarmKernel(extra_arguments=["--IPKernelApp.log_level=ERROR"], environment=base,
                       shared_results=("ohti.indicators.compute:compute_values",)) for _ in range(count)]


@pytest.mark.build
@pytest.mark.slow
def test_kernels_of_a_build_compute_a_shared_result_once_between_them(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from ohti.build.kernels import SHARED_FOLDER_VARIABLE

    folder = tmp_path / "shared"
    folder.mkdir()
    notebook = _notebook(tmp_path / "shared.ipynb", SHARED_CALL)
    kernels = _kernels_sharing({SHARED_FOLDER_VARIABLE: str(folder)})
    try:
        def run(number):  # each kernel started and used in one thread, as a build's workers do
            kernels[number].start()
            nb = render_notebook(notebook, tmp_path / f"{number}.ipynb", {"step": number}, kernel=kernels[number])
            return _outputs(nb)[0]

        with ThreadPoolExecutor(2) as pool:  # both at once: one computes, the other waits for it
            printed = list(pool.map(run, range(2)))
    finally:
        for warm in kernels:
            warm.shutdown()
    computed = [line.split(" ", 1)[0] for line in printed]
    assert sorted(computed) == ["False", "True"]
    assert printed[0].split(" ", 1)[1] == printed[1].split(" ", 1)[1]  # the same frame, to the bit
    assert len(list(folder.glob("*.pickle"))) == 1  # one result, one file


@pytest.mark.build
@pytest.mark.slow
def test_without_a_shared_folder_each_kernel_computes_its_own(tmp_path):
    from ohti.build.kernels import SHARED_FOLDER_VARIABLE

    notebook = _notebook(tmp_path / "shared.ipynb", SHARED_CALL)
    missing = tmp_path / "no-such-folder"
    kernels = _kernels_sharing({SHARED_FOLDER_VARIABLE: str(missing)})
    try:
        printed = []
        for number, warm in enumerate(kernels):
            warm.start()
            nb = render_notebook(notebook, tmp_path / f"{number}.ipynb", {"step": number}, kernel=warm)
            printed.append(_outputs(nb)[0])
    finally:
        for warm in kernels:
            warm.shutdown()
    assert [line.split(" ", 1)[0] for line in printed] == ["True", "True"]
    assert not missing.exists()


def test_a_builds_own_process_shares_with_its_kernels_for_a_block_only(monkeypatch, tmp_path):
    """The data packages a build writes in its own process read what the kernels computed (and
    the kernels what the packages computed first); after the block the functions are the
    originals again."""
    function, calls = _counted(result={"rows": [1, 2, 3]})
    home, user = (types.ModuleType(name) for name in ("ohti.fake", "ohti.fake_user"))
    home.function = user.imported = function
    for module in (home, user):
        monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setenv("OHTI_TEST_SHARED", str(tmp_path))
    kernel = warm.SharedResults(size=10, folder_variable="OHTI_TEST_SHARED").wrap(function)
    assert kernel("01") == {"rows": [1, 2, 3]}
    with warm.sharing(["ohti.fake:function"], str(tmp_path), 10) as shared:
        assert shared == ["ohti.fake:function"]
        assert user.imported is not function and home.function.__ohti_shared__ is function
        got = user.imported("01")
        got["rows"].append(4)  # the caller's own copy
        assert home.function("01") == {"rows": [1, 2, 3]}
        assert home.function("02") == {"rows": [1, 2, 3]}  # computed here, written for the kernels
    assert home.function is function and user.imported is function
    assert len(calls) == 2  # "01" once (by the kernel), "02" once (by the process)
    assert kernel("02") == {"rows": [1, 2, 3]} and len(calls) == 2
    with warm.sharing(["ohti.fake:function"], None, 10) as shared:
        assert shared == [] and home.function is function

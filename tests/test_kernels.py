"""Tests of ohti.build.kernels: a warm kernel runs each notebook as if it were fresh; no network."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from ohti.build.execute import render_notebook
from ohti.build.kernels import KernelStartError, WarmKernel, shutdown_kernels, thread_kernel
from ohti.errors import BuildError


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

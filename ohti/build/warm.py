"""The kernel's side of a warm kernel (:mod:`ohti.build.kernels`): imported and run inside it.

A warm kernel runs, once after it starts::

    __import__("ohti.build.warm", fromlist=["start"]).start(modules, shared, size, variable)

which imports the warm `modules`, has the functions `shared` remember their results
(:class:`SharedResults`) and records the kernel's state; and before each document::

    __import__("ohti.build.warm", fromlist=["restore"]).restore(cwd)

which puts that state back (see :mod:`ohti.build.kernels` for why each part matters). Nothing
is bound in the notebook's namespace: the state lives in this module.

Shared results: each function of ``shared`` (``module:function``) is replaced, in every loaded
``ohti`` module that refers to it, by a wrapper that keys the call on its arguments (strings,
numbers, and lists, tuples and dicts of them; any other argument calls through) and returns a
deep copy of the remembered result, so that no document can change what the next one gets. A
call that raises is not remembered. The least recently used results are forgotten first, past
``size``.

Across kernels: when the environment variable ``variable`` names an existing folder (a build
gives its kernels one of its own), a result the kernel does not remember is looked up there
before it is computed, and a computed one is written there (pickled, by a SHA-256 of its key).
Each key has a lock file (``fcntl.flock``), held while the result is computed: a kernel that
needs a result another kernel is computing waits for it instead of computing it too, so the
first documents of a build's kernels compute the period's shared results once between them.
Locks are taken in the order the functions call each other, which has no cycles, so two
kernels never wait for each other. A result that cannot be pickled stays in the kernel that
computed it; without ``fcntl`` (Windows) nothing is shared across kernels.

This module imports nothing but the standard library and ohti's ground at its top (the
modules it warms are imported by name); IPython only when :func:`restore` resets the shell.
"""

from __future__ import annotations

import collections
import contextlib
import copy
import functools
import gc
import importlib
import os
import pickle
import sys
import threading
import types
import warnings
from collections.abc import Callable, Iterable

from ohti._files import bytes_digest, replacing
from ohti._lifetime import kernel_dies_with_parent

try:
    import fcntl
except ImportError:  # not on POSIX: each kernel computes its own
    fcntl = None


_MISSING = object()


class Unkeyable(Exception):
    """An argument the shared results cannot key a call on (the call is not remembered)."""


def freeze(value):
    """A hashable key of `value`: strings, bytes, numbers, None, and lists, tuples and dicts of
    them, each with its type (so that ``1``, ``1.0`` and ``True`` differ).

    Raises
    ------
    Unkeyable
        For any other value (a frame, an object).
    """
    if value is None or isinstance(value, (str, bytes, bool, int, float)):
        return (type(value).__name__, value)
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(freeze(item) for item in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((freeze(k), freeze(v)) for k, v in value.items())))
    raise Unkeyable


class SharedResults:
    """The results of pure functions, remembered by their arguments, in this kernel and in a
    folder the kernels of one build share.

    Parameters
    ----------
    size : int
        How many results to remember (the least recently used are forgotten first).
    folder_variable : str, optional
        Environment variable naming the shared folder (read at each call); unset, empty or not
        a folder: nothing is shared with other kernels.
    folder : str, optional
        The shared folder itself, in place of `folder_variable` (for a build's own process,
        see :func:`sharing`).
    """

    def __init__(self, size: int, folder_variable: str | None = None, *, folder: str | None = None):
        self.size = size
        self.folder_variable = folder_variable
        self.fixed_folder = folder
        self.remembered = collections.OrderedDict()
        self._lock = threading.Lock()  # a build's process calls from more than one thread

    def wrap(self, function: Callable) -> Callable:
        """`function`, remembering its results (the original is its ``__ohti_shared__``)."""

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            try:
                key = (function.__module__, function.__qualname__, freeze(args), freeze(kwargs))
            except (Unkeyable, TypeError):
                return function(*args, **kwargs)
            with self._lock:
                kept = self.remembered.get(key, _MISSING)
                if kept is not _MISSING:
                    self.remembered.move_to_end(key)
            if kept is not _MISSING:
                return copy.deepcopy(kept)
            result = self.from_folder(key, lambda: function(*args, **kwargs))
            kept = copy.deepcopy(result)
            with self._lock:
                self.remembered[key] = kept
                if len(self.remembered) > self.size:
                    self.remembered.popitem(last=False)
            return result

        wrapper.__ohti_shared__ = function
        wrapper.__ohti_results__ = self
        return wrapper

    def folder(self) -> str:
        """The shared folder, or '' when there is none (or no ``fcntl`` to lock it with)."""
        if self.fixed_folder is not None:
            folder = self.fixed_folder
        else:
            folder = os.environ.get(self.folder_variable, "") if self.folder_variable else ""
        if fcntl is None or not folder or not os.path.isdir(folder):
            return ""
        return folder

    def from_folder(self, key, compute: Callable):
        """The result of `key` from the shared folder, else computed (and written there)."""
        folder = self.folder()
        if not folder:
            return compute()
        path = os.path.join(folder, bytes_digest(repr(key).encode("utf-8")))
        with open(path + ".lock", "ab") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
            try:
                with open(path + ".pickle", "rb") as handle:
                    return pickle.load(handle)
            except Exception:  # not there yet (or unreadable): compute it
                pass
            result = compute()
            try:
                data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
                with replacing(path + ".pickle") as temporary:
                    temporary.write_bytes(data)
            except Exception:  # not picklable, or the folder is gone: not shared
                pass
            return result


def share(specs: Iterable[str], results: SharedResults) -> list[str]:
    """Have each function of `specs` (``module:function``) remember its results in `results`:
    replace it by its wrapper in every loaded ohti module that refers to it. A function whose
    module is not loaded, or that is missing, is skipped. Returns the specs replaced."""
    replaced = []
    for spec in specs:
        module_name, _, attribute = spec.partition(":")
        original = getattr(sys.modules.get(module_name), attribute, None)
        if original is None or hasattr(original, "__ohti_shared__"):
            continue
        try:
            wrapper = results.wrap(original)
        except Exception:
            continue
        for name, loaded in list(sys.modules.items()):
            if loaded is None or not (name == "ohti" or name.startswith("ohti.")):
                continue
            for key, value in list(vars(loaded).items()):
                if value is original:
                    setattr(loaded, key, wrapper)
        replaced.append(spec)
    return replaced


def unshare(results: SharedResults) -> int:
    """Undo :func:`share` for the wrappers of `results`: every loaded ohti module refers to the
    original functions again. Returns how many references were put back."""
    restored = 0
    for name, loaded in list(sys.modules.items()):
        if loaded is None or not (name == "ohti" or name.startswith("ohti.")):
            continue
        for key, value in list(vars(loaded).items()):
            # only the wrappers are functions with this attribute (asking anything else, a
            # lazily imported module would import it)
            if isinstance(value, types.FunctionType) and getattr(value, "__ohti_results__", None) is results:
                setattr(loaded, key, value.__ohti_shared__)
                restored += 1
    return restored


@contextlib.contextmanager
def sharing(specs: Iterable[str], folder: str | None, size: int):
    """Within the block, this process shares the results of the functions `specs` with the
    build's kernels through `folder` (the kernels' shared folder): the data packages a build
    writes meanwhile read the figures its documents have computed, and the documents those the
    packages computed first. Nothing is shared when `folder` is None or empty. Yields the
    specs shared."""
    if not folder:
        yield []
        return
    specs = list(specs)
    for spec in specs:  # share() replaces the functions of loaded modules only
        try:
            importlib.import_module(spec.partition(":")[0])
        except Exception:
            pass
    results = SharedResults(size, folder=folder)
    replaced = share(specs, results)
    try:
        yield replaced
    finally:
        unshare(results)


class KernelState:
    """What :func:`restore` puts back before each document: the environment, ``sys.path``,
    the warning filters, and matplotlib's, pandas' and NumPy's settings as they were when
    :meth:`record` ran (a library's settings that cannot be read are not restored)."""

    def __init__(self):
        self.environ = {}
        self.path = []
        self.warning_filters = []
        self.showwarning = warnings.showwarning
        self.rc = None
        self.pandas = None
        self.numpy = None

    def record(self) -> KernelState:
        self.environ = dict(os.environ)
        self.path = list(sys.path)
        self.warning_filters = list(warnings.filters)
        self.showwarning = warnings.showwarning
        self.rc = self.pandas = self.numpy = None
        try:
            if "matplotlib" in sys.modules:
                matplotlib = sys.modules["matplotlib"]
                self.rc = copy.deepcopy({key: matplotlib.rcParams._get(key) for key in matplotlib.rcParams})
        except Exception:
            self.rc = None
        try:
            if "pandas" in sys.modules:
                pandas = sys.modules["pandas"]
                options = importlib.import_module("pandas._config.config")
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    self.pandas = {key: copy.deepcopy(pandas.get_option(key))
                                   for key in options._registered_options
                                   if key not in options._deprecated_options}
        except Exception:
            self.pandas = None
        try:
            if "numpy" in sys.modules:
                numpy = sys.modules["numpy"]
                self.numpy = (numpy.get_printoptions(), numpy.geterr())
        except Exception:
            self.numpy = None
        return self

    def restore_libraries(self) -> None:
        """Close open figures; put back matplotlib's, pandas' and NumPy's settings."""
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")
        if self.rc is not None:
            matplotlib = sys.modules["matplotlib"]
            for key, value in self.rc.items():
                if matplotlib.rcParams._get(key) != value:
                    matplotlib.rcParams._set(key, copy.deepcopy(value))
        if self.pandas is not None:
            pandas = sys.modules["pandas"]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for key, value in self.pandas.items():
                    if pandas.get_option(key) != value:
                        pandas.set_option(key, copy.deepcopy(value))
        if self.numpy is not None:
            numpy = sys.modules["numpy"]
            printing, errors = self.numpy
            numpy.set_printoptions(**printing)
            numpy.seterr(**errors)

    def restore_process(self, cwd) -> None:
        """Put back the environment, ``sys.path`` and the warning filters (forgetting which
        warnings were shown); change to `cwd`."""
        for key in [key for key in os.environ if key not in self.environ]:
            del os.environ[key]
        for key, value in self.environ.items():
            if os.environ.get(key) != value:
                os.environ[key] = value
        sys.path[:] = self.path
        warnings.resetwarnings()  # also invalidates every module's __warningregistry__
        warnings.filters[:] = self.warning_filters
        warnings.showwarning = self.showwarning
        getattr(warnings, "onceregistry", {}).clear()
        os.chdir(cwd)


#: The kernel's state after :func:`start` (None before).
STATE: KernelState | None = None
#: The kernel's shared results after :func:`start` (None before).
RESULTS: SharedResults | None = None


def start(modules: Iterable[str], shared: Iterable[str], size: int, folder_variable: str) -> None:
    """Warm the kernel this runs in: end with its worker, import `modules` (one that cannot be
    imported is skipped: the notebook's own import then shows the error), remember the results
    of the functions `shared` (at most `size`, shared through the folder `folder_variable`
    names), and record the state :func:`restore` puts back."""
    global STATE, RESULTS
    try:  # a build's kernel ends with its worker, however the worker ends
        kernel_dies_with_parent()
    except Exception:
        pass
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:
            pass
    RESULTS = SharedResults(size, folder_variable)
    share(shared, RESULTS)
    STATE = KernelState().record()


def restore(cwd, shell=None) -> None:
    """Put the kernel back in the state :func:`start` recorded, for the next document in `cwd`.

    Resets IPython's `shell` (this kernel's by default): ``reset(new_session=True)`` empties
    the user namespace, the output cache and the history and restarts the execution counter.
    Then collects garbage and freezes what survives (modules, caches, shared results), so that
    the collector's passes during the next document scan only what that document creates.
    """
    STATE.restore_libraries()
    STATE.restore_process(cwd)
    if shell is None:
        from IPython import get_ipython  # only ever called inside a kernel

        shell = get_ipython()
    shell.reset(new_session=True)
    gc.collect()
    gc.freeze()

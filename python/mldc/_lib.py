"""_lib.py - the ctypes binding of libmldc's public C API (src/mldc_api.h).

Every struct here mirrors one of mldc_api.h field for field; the header's
API version says which fields exist, and the library is refused when it is
older than the version these mirrors were written for (API_VERSION).

The library is found, in order: $MLDC_LIB (a path to libmldc.so); the copy
installed inside this package; build/libmldc.so of the source tree the
package sits in (running from a checkout); the system's library path.
"""
import ctypes
import ctypes.util
import os

API_VERSION = 1

c_str = ctypes.c_char_p
c_str_p = ctypes.POINTER(ctypes.c_char_p)


class Diagnostic_(ctypes.Structure):
    pass


Diagnostic_._fields_ = [
    ("severity", ctypes.c_int),
    ("file", c_str),
    ("line", ctypes.c_int),
    ("column", ctypes.c_int),
    ("end_line", ctypes.c_int),
    ("end_column", ctypes.c_int),
    ("message", c_str),
    ("notes", ctypes.POINTER(Diagnostic_)),
    ("nnotes", ctypes.c_int),
    ("detail", ctypes.c_void_p),
]

DIAG_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.POINTER(Diagnostic_))


class LoadOptions(ctypes.Structure):
    _fields_ = [
        ("sets", c_str_p),
        ("nsets", ctypes.c_int),
        ("stdlib_dir", c_str),
        ("max_errors", ctypes.c_int),
        ("on_diag", DIAG_FN),
        ("ud", ctypes.c_void_p),
    ]


class Param_(ctypes.Structure):
    _fields_ = [
        ("name", c_str),
        ("value", ctypes.c_double),
        ("unit", ctypes.c_char * 32),
        ("text", ctypes.c_char * 64),
        ("is_int", ctypes.c_int),
        ("overridden", ctypes.c_int),
        ("file", c_str),
        ("line", ctypes.c_int),
        ("column", ctypes.c_int),
    ]


class RunOptions(ctypes.Structure):
    _fields_ = [("mapping", c_str), ("verify", ctypes.c_int)]


METRIC_COUNT = 8
CAUSE_COUNT = 5


class Metrics_(ctypes.Structure):
    _fields_ = [
        ("mapping", c_str),
        ("system", c_str),
        ("workload", c_str),
        ("makespan", ctypes.c_double),
        ("runs_per_s", ctypes.c_double),
        ("items", ctypes.c_double),
        ("items_what", c_str),
        ("energy", ctypes.c_double),
        ("energy_compute", ctypes.c_double),
        ("energy_memory", ctypes.c_double),
        ("energy_network", ctypes.c_double),
        ("power", ctypes.c_double),
        ("area", ctypes.c_double),
        ("metric", ctypes.c_double * METRIC_COUNT),
        ("critical", ctypes.c_double * CAUSE_COUNT),
        ("tasks", ctypes.c_uint64),
        ("compute_tasks", ctypes.c_uint64),
        ("transfer_tasks", ctypes.c_uint64),
        ("sync_tasks", ctypes.c_uint64),
        ("events", ctypes.c_uint64),
        ("violations", ctypes.c_int),
    ]


class Op_(ctypes.Structure):
    _fields_ = [
        ("name", c_str),
        ("kind", c_str),
        ("flops", ctypes.c_double),
        ("bytes", ctypes.c_double),
        ("start", ctypes.c_double),
        ("end", ctypes.c_double),
        ("busy", ctypes.c_double),
        ("tasks", ctypes.c_int),
    ]


class Resource_(ctypes.Structure):
    _fields_ = [
        ("name", c_str),
        ("kind", c_str),
        ("busy", ctypes.c_double),
        ("utilisation", ctypes.c_double),
    ]


class Point_(ctypes.Structure):
    _fields_ = [
        ("index", ctypes.c_uint64),
        ("status", ctypes.c_int),
        ("nvars", ctypes.c_int),
        ("names", c_str_p),
        ("values", c_str_p),
        ("numbers", ctypes.POINTER(ctypes.c_double)),
        ("metric", ctypes.c_double * METRIC_COUNT),
        ("pareto", ctypes.c_int),
        ("why", c_str),
    ]


POINT_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.POINTER(Point_))


class ExploreOptions(ctypes.Structure):
    _fields_ = [
        ("strategy", c_str),
        ("jobs", ctypes.c_int),
        ("max_points", ctypes.c_uint64),
        ("seed", ctypes.c_uint64),
        ("csv", c_str),
    ]


def _find():
    here = os.path.dirname(os.path.abspath(__file__))
    cands = []
    if os.environ.get("MLDC_LIB"):
        cands.append(os.environ["MLDC_LIB"])
    cands.append(os.path.join(here, "libmldc.so"))
    cands.append(os.path.join(here, "..", "..", "build", "libmldc.so"))
    for c in cands:
        if os.path.exists(c):
            return c
    found = ctypes.util.find_library("mldc")
    if found:
        return found
    raise OSError("libmldc.so not found: build it with `make` in the mldc tree, or set MLDC_LIB to its path")


def _load():
    lib = ctypes.CDLL(_find())
    P = ctypes.c_void_p
    sig = {
        "mldc_api_version": (ctypes.c_int, []),
        "mldc_version_text": (c_str, []),
        "mldc_design_load": (P, [c_str, ctypes.POINTER(LoadOptions)]),
        "mldc_design_free": (None, [P]),
        "mldc_design_errors": (ctypes.c_int, [P]),
        "mldc_design_io_failed": (ctypes.c_int, [P]),
        "mldc_design_count": (ctypes.c_int, [P, ctypes.c_int]),
        "mldc_design_name": (c_str, [P, ctypes.c_int, ctypes.c_int]),
        "mldc_design_param": (ctypes.c_int, [P, ctypes.c_int, ctypes.POINTER(Param_)]),
        "mldc_design_run": (P, [P, ctypes.POINTER(RunOptions)]),
        "mldc_result_free": (None, [P]),
        "mldc_metric_name": (c_str, [ctypes.c_int]),
        "mldc_result_metrics": (None, [P, ctypes.POINTER(Metrics_)]),
        "mldc_result_op_count": (ctypes.c_int, [P]),
        "mldc_result_op": (ctypes.c_int, [P, ctypes.c_int, ctypes.POINTER(Op_)]),
        "mldc_result_resource_count": (ctypes.c_int, [P]),
        "mldc_result_resource": (ctypes.c_int, [P, ctypes.c_int, ctypes.POINTER(Resource_)]),
        "mldc_design_explore": (ctypes.c_int, [P, ctypes.POINTER(ExploreOptions), POINT_FN, P]),
    }
    for name, (res, args) in sig.items():
        f = getattr(lib, name)
        f.restype = res
        f.argtypes = args
    if lib.mldc_api_version() < API_VERSION:
        raise OSError("libmldc.so implements API version %d; this package needs %d"
                      % (lib.mldc_api_version(), API_VERSION))
    return lib


lib = _load()

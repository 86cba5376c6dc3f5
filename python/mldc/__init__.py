"""mldc - multi-level AI hardware designs from Python.

A thin layer over libmldc's public C API (src/mldc_api.h), for notebooks and
scripted studies:

    import mldc
    d = mldc.load("examples/chiplet.mld", set={"nop_bw": "64 GB/s"})
    r = d.run("layer_per_chiplet")
    r.makespan, r.energy, r.ops[0].name

Loading runs mldc's whole front end (parse, imports, lower, check); a
design with errors raises MldcError, whose .diagnostics carry file, line,
column and message of each.  Design.run plans and simulates one mapping;
run(..., set={...}) reloads the design with more overrides first (one
front end + plan + simulation per point), which is what a search driven
from Python (a sweep, Bayesian optimisation) calls per point.
Design.explore runs the design's explore block exactly as `mldc explore`
does and returns its points.  Results convert to pandas DataFrames with
.to_pandas() when pandas is installed; nothing else needs more than the
standard library.
"""
import ctypes
import math
import os

from . import _lib
from ._lib import lib

__all__ = ["load", "Design", "Result", "Diagnostic", "MldcError", "Op", "Resource", "Param", "Point",
           "api_version", "version", "METRICS"]

METRICS = tuple(lib.mldc_metric_name(i).decode() for i in range(_lib.METRIC_COUNT))
_SEVERITY = ("error", "warning", "note")
_CAUSES = ("compute", "memory", "network", "sync", "wait")


def api_version():
    """The C API version of the loaded libmldc."""
    return lib.mldc_api_version()


def version():
    """mldc's version text."""
    return lib.mldc_version_text().decode()


def _s(b):
    return b.decode("utf-8", "replace") if b is not None else None


class Diagnostic:
    """One diagnostic: severity ('error', 'warning', 'note'), file (or None),
    1-based line and column (0 without a place), message, and its notes."""

    def __init__(self, severity, file, line, column, message, notes=()):
        self.severity, self.file, self.line, self.column, self.message = severity, file, line, column, message
        self.notes = list(notes)

    def __str__(self):
        where = "%s:%d:%d: " % (self.file, self.line, self.column) if self.file else "mldc: "
        return "%s%s: %s" % (where, self.severity, self.message)

    __repr__ = __str__


class MldcError(Exception):
    """Errors in a design.  .diagnostics holds every diagnostic reported;
    .file, .line, .column and .message are those of the first error."""

    def __init__(self, diagnostics):
        self.diagnostics = list(diagnostics)
        errs = [d for d in self.diagnostics if d.severity == "error"] or self.diagnostics
        first = errs[0] if errs else Diagnostic("error", None, 0, 0, "unknown error")
        self.file, self.line, self.column, self.message = first.file, first.line, first.column, first.message
        super().__init__("\n".join(str(d) for d in errs) if errs else str(first))


def _to_diag(p):
    d = p.contents
    notes = [_to_diag(ctypes.pointer(d.notes[i])) for i in range(d.nnotes)]
    return Diagnostic(_SEVERITY[d.severity] if 0 <= d.severity < 3 else "error", _s(d.file), d.line, d.column,
                      _s(d.message), notes)


class Param:
    """A parameter: value in base units, unit (the base-unit dimension),
    text as mldc shows it ("100 GB/s"), whether an override set it."""

    def __init__(self, p):
        self.name, self.value, self.unit, self.text = _s(p.name), p.value, _s(p.unit), _s(p.text)
        self.is_int, self.overridden = bool(p.is_int), bool(p.overridden)
        self.file, self.line = _s(p.file), p.line

    def __repr__(self):
        return "Param(%s = %s)" % (self.name, self.text)


class Op:
    """One placed operator: name, kind, flops, bytes, start and end (s),
    busy (s of its compute tasks, summed), tasks."""
    __slots__ = ("name", "kind", "flops", "bytes", "start", "end", "busy", "tasks")

    def __init__(self, o):
        self.name, self.kind = _s(o.name), _s(o.kind)
        self.flops, self.bytes, self.start, self.end, self.busy, self.tasks = (o.flops, o.bytes, o.start, o.end,
                                                                                 o.busy, o.tasks)

    @property
    def duration(self):
        return self.end - self.start

    def as_dict(self):
        return {k: getattr(self, k) for k in self.__slots__}

    def __repr__(self):
        return "Op(%s %s, %.6g s .. %.6g s)" % (self.kind, self.name, self.start, self.end)


class Resource:
    """One resource of the plan: name, kind, busy (s), utilisation."""
    __slots__ = ("name", "kind", "busy", "utilisation")

    def __init__(self, r):
        self.name, self.kind, self.busy, self.utilisation = _s(r.name), _s(r.kind), r.busy, r.utilisation

    def as_dict(self):
        return {k: getattr(self, k) for k in self.__slots__}

    def __repr__(self):
        return "Resource(%s, %.1f%%)" % (self.name, 100 * self.utilisation)


class Result:
    """A simulated mapping, as plain Python data (the C result is freed).

    makespan (s), throughput (tokens or samples per second, what explore
    calls throughput), runs_per_s, energy (J) and its parts, power (W),
    area (m2), metrics (dict by explore's metric names), critical_path
    (dict of seconds by cause), tasks, violations (-1: not verified), ops
    and resources (lists)."""

    def __init__(self, handle):
        m = _lib.Metrics_()
        lib.mldc_result_metrics(handle, ctypes.byref(m))
        self.mapping, self.system, self.workload = _s(m.mapping), _s(m.system), _s(m.workload)
        self.makespan, self.runs_per_s = m.makespan, m.runs_per_s
        self.items, self.items_what = m.items, _s(m.items_what)
        self.energy, self.energy_compute, self.energy_memory, self.energy_network = (
            m.energy, m.energy_compute, m.energy_memory, m.energy_network)
        self.power, self.area = m.power, m.area
        self.metrics = {METRICS[i]: m.metric[i] for i in range(_lib.METRIC_COUNT)}
        self.throughput = self.metrics["throughput"]
        self.critical_path = {_CAUSES[i]: m.critical[i] for i in range(_lib.CAUSE_COUNT)}
        self.tasks = {"total": m.tasks, "compute": m.compute_tasks, "transfer": m.transfer_tasks,
                      "sync": m.sync_tasks}
        self.events, self.violations = m.events, m.violations
        o = _lib.Op_()
        self.ops = []
        for i in range(lib.mldc_result_op_count(handle)):
            lib.mldc_result_op(handle, i, ctypes.byref(o))
            self.ops.append(Op(o))
        r = _lib.Resource_()
        self.resources = []
        for i in range(lib.mldc_result_resource_count(handle)):
            lib.mldc_result_resource(handle, i, ctypes.byref(r))
            self.resources.append(Resource(r))

    def to_pandas(self, what="ops"):
        """A pandas DataFrame of the ops (default) or the resources."""
        import pandas
        rows = self.ops if what == "ops" else self.resources
        return pandas.DataFrame([x.as_dict() for x in rows])

    def __repr__(self):
        return "Result(%s: makespan %.6g s, energy %.6g J)" % (self.mapping, self.makespan, self.energy)


class Point:
    """One design point of an exploration: index, status ('ok',
    'infeasible', 'error'), values (dict: variable -> text), numbers (dict:
    variable -> base-unit number, None for a mapping or system choice),
    metrics (dict), pareto, why."""

    def __init__(self, p):
        self.index = p.index
        self.status = ("ok", "infeasible", "error")[p.status]
        names = [_s(p.names[i]) for i in range(p.nvars)]
        self.values = {names[i]: _s(p.values[i]) for i in range(p.nvars)}
        self.numbers = {names[i]: (None if math.isnan(p.numbers[i]) else p.numbers[i]) for i in range(p.nvars)}
        self.metrics = {METRICS[i]: p.metric[i] for i in range(_lib.METRIC_COUNT)}
        self.pareto = bool(p.pareto)
        self.why = _s(p.why)

    def __repr__(self):
        return "Point(%d %s %s)" % (self.index, self.status, self.values)


def _set_text(v):
    if isinstance(v, bool):
        raise TypeError("a parameter value is a number or a quantity text such as '64 GB/s'")
    if isinstance(v, (int, float)):
        return repr(v)
    return str(v)


class Design:
    """A loaded, checked design.  Use mldc.load()."""

    def __init__(self, path, sets, stdlib):
        self.path, self._sets, self._stdlib = path, dict(sets), stdlib
        self._diags = []
        self._handle = None
        self._keep = []
        arr = (ctypes.c_char_p * max(1, len(self._sets)))(
            *[("%s=%s" % (k, _set_text(v))).encode() for k, v in self._sets.items()])
        self._cb = _lib.DIAG_FN(lambda ud, d: self._diags.append(_to_diag(d)))
        opts = _lib.LoadOptions(arr, len(self._sets), stdlib.encode() if stdlib else None, 0, self._cb, None)
        self._keep.append(arr)
        self._handle = lib.mldc_design_load(os.fspath(path).encode(), ctypes.byref(opts))
        if lib.mldc_design_io_failed(self._handle):
            msg = self._diags[0].message if self._diags else "cannot read %s" % path
            self.close()
            raise OSError(msg)
        if lib.mldc_design_errors(self._handle):
            diags = list(self._diags)
            self.close()
            raise MldcError(diags)

    def close(self):
        if self._handle:
            lib.mldc_design_free(self._handle)
            self._handle = None

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _names(self, kind):
        return [_s(lib.mldc_design_name(self._handle, kind, i)) for i in range(lib.mldc_design_count(self._handle, kind))]

    @property
    def systems(self):
        return self._names(0)

    @property
    def workloads(self):
        return self._names(1)

    @property
    def mappings(self):
        return self._names(2)

    @property
    def params(self):
        """Parameters by name, with their values after the overrides."""
        out = {}
        p = _lib.Param_()
        for i in range(lib.mldc_design_count(self._handle, 3)):
            lib.mldc_design_param(self._handle, i, ctypes.byref(p))
            q = Param(p)
            out[q.name] = q
        return out

    @property
    def warnings(self):
        return [d for d in self._diags if d.severity == "warning"]

    def run(self, mapping=None, set=None, verify=False):
        """Plan and simulate a mapping (default: the first).  With set, the
        design is loaded again with those overrides added to its own."""
        if set:
            merged = dict(self._sets)
            merged.update(set)
            with Design(self.path, merged, self._stdlib) as other:
                return other.run(mapping, None, verify)
        before = len(self._diags)
        ro = _lib.RunOptions(mapping.encode() if mapping else None, 1 if verify else 0)
        h = lib.mldc_design_run(self._handle, ctypes.byref(ro))
        if not h:
            raise MldcError(self._diags[before:] or [Diagnostic("error", None, 0, 0, "the run failed")])
        try:
            res = Result(h)
        finally:
            lib.mldc_result_free(h)
        if verify and res.violations:
            raise MldcError(self._diags[before:])
        return res

    def explore(self, strategy="grid", jobs=1, max_points=0, seed=0, csv=None):
        """Run the design's explore block as `mldc explore` does; returns
        its points in order, the Pareto front marked."""
        pts = []
        before = len(self._diags)
        cb = _lib.POINT_FN(lambda ud, p: pts.append(Point(p.contents)))
        eo = _lib.ExploreOptions(strategy.encode(), jobs, max_points, seed, os.fspath(csv).encode() if csv else None)
        rc = lib.mldc_design_explore(self._handle, ctypes.byref(eo), cb, None)
        if rc == 2:
            raise OSError("; ".join(d.message for d in self._diags[before:]) or "explore: I/O error")
        if rc:
            raise MldcError(self._diags[before:])
        return pts

    def __repr__(self):
        return "Design(%r)" % (self.path,)


def load(path, set=None, stdlib=None):
    """Load and check a design; raises MldcError (with the diagnostics) when
    it has errors.  set: {param: value} overrides, a value being a number
    or a quantity text ("64 GB/s").  stdlib: the directory import
    "std/..." reads (default: $MLDC_STDLIB, else the built-in)."""
    return Design(path, set or {}, stdlib)


def points_to_pandas(points):
    """A pandas DataFrame of explore points: variables, metrics, status, pareto."""
    import pandas
    rows = []
    for p in points:
        row = {"index": p.index}
        row.update(p.values)
        row.update(p.metrics)
        row.update({"status": p.status, "pareto": p.pareto})
        rows.append(row)
    return pandas.DataFrame(rows)

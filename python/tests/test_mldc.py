"""test_mldc.py - tests of the mldc Python package (run by `make python-test`
against a copy installed in a temporary virtual environment).

MLDC_ROOT names the mldc tree (examples/), MLDC_BIN its mldc program: the
package's results are compared with the command line's on the same design.
"""
import csv
import json
import os
import subprocess
import tempfile
import unittest

import mldc

ROOT = os.environ.get("MLDC_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("MLDC_BIN", os.path.join(ROOT, "build", "mldc"))
CHIPLET = os.path.join(ROOT, "examples", "chiplet.mld")


def cli(*args):
    return subprocess.run([BIN] + list(args), capture_output=True, text=True, check=True).stdout


class Load(unittest.TestCase):
    def test_lists(self):
        d = mldc.load(CHIPLET)
        self.assertEqual(d.systems, ["top"])
        self.assertEqual(d.workloads, ["w"])
        self.assertEqual(d.mappings, ["layer_per_chiplet"])
        p = d.params
        self.assertEqual(sorted(p), ["clock", "nop_bw", "pe_sram", "pkg_x", "pkg_y"])
        self.assertEqual(p["nop_bw"].text, "100 GB/s")
        self.assertEqual(p["nop_bw"].unit, "B/s")
        self.assertEqual(p["pe_sram"].value, 1024 * 1024)
        self.assertFalse(p["nop_bw"].overridden)

    def test_overrides(self):
        d = mldc.load(CHIPLET, set={"nop_bw": "64 GB/s", "pkg_x": 2})
        self.assertEqual(d.params["nop_bw"].value, 64e9)
        self.assertTrue(d.params["nop_bw"].overridden)

    def test_error_is_located(self):
        with tempfile.TemporaryDirectory() as t:
            path = os.path.join(t, "bad.mld")
            with open(path, "w") as f:
                f.write("param x = 1 GB/s\nparam y = x + 1 ns\n")
            with self.assertRaises(mldc.MldcError) as cm:
                mldc.load(path)
            e = cm.exception
            self.assertEqual((e.file, e.line), (path, 2))
            self.assertGreater(e.column, 0)
            self.assertIn("time", e.message)
            self.assertEqual(e.diagnostics[0].severity, "error")
            self.assertIn("bad.mld:2:", str(e))

    def test_bad_override(self):
        with self.assertRaises(mldc.MldcError) as cm:
            mldc.load(CHIPLET, set={"nop_bw": "3 ns"})
        self.assertIn("nop_bw", cm.exception.message)
        with self.assertRaises(mldc.MldcError):
            mldc.load(CHIPLET, set={"no_such_param": 1})

    def test_missing_file(self):
        with self.assertRaises(OSError):
            mldc.load(os.path.join(ROOT, "no-such-file.mld"))


class Run(unittest.TestCase):
    def test_matches_cli(self):
        r = mldc.load(CHIPLET, set={"nop_bw": "64 GB/s"}).run("layer_per_chiplet", verify=True)
        j = json.loads(cli("run", "--json", "--set", "nop_bw=64 GB/s", CHIPLET))
        close = lambda a, b: self.assertAlmostEqual(a, b, delta=1e-9 * abs(b))  # the JSON report has 12 digits
        close(r.makespan, j["makespan_s"])
        close(r.energy, j["energy_j"]["total"])
        close(r.area, j["area_m2"])
        self.assertEqual(r.tasks["total"], j["tasks"]["total"])
        self.assertEqual(r.violations, 0)
        self.assertEqual(r.items_what, "tokens")
        self.assertAlmostEqual(r.throughput, 128 / r.makespan, delta=1e-9 * r.throughput)
        self.assertEqual(len(r.resources), len(j["resources"]))

    def test_ops(self):
        r = mldc.load(CHIPLET).run()
        names = [o.name for o in r.ops]
        self.assertEqual(names[0], "tok")
        self.assertIn("layer[3].down", names)
        self.assertEqual(len(names), len(set(names)))
        for o in r.ops:
            self.assertTrue(0 <= o.start <= o.end <= r.makespan, o)
            self.assertGreater(o.tasks, 0)
        down = [o for o in r.ops if o.name == "layer[0].down"][0]
        self.assertEqual(down.kind, "matmul")
        self.assertEqual(down.tasks, 16)  # split over the 16 PEs of a chiplet
        self.assertEqual(down.flops, 2 * 128 * 2048 * 512)

    def test_run_with_set_equals_load_with_set(self):
        d = mldc.load(CHIPLET)
        a = d.run(set={"nop_bw": "25 GB/s"})
        b = mldc.load(CHIPLET, set={"nop_bw": "25 GB/s"}).run()
        self.assertEqual(a.makespan, b.makespan)
        self.assertGreater(a.makespan, d.run().makespan)

    def test_unknown_mapping(self):
        with self.assertRaises(mldc.MldcError) as cm:
            mldc.load(CHIPLET).run("layer_per_chiplett")
        self.assertIn("did you mean 'layer_per_chiplet'", cm.exception.message)

    def test_rows_as_dicts(self):
        r = mldc.load(CHIPLET).run()
        row = r.ops[0].as_dict()
        self.assertEqual(list(row), ["name", "kind", "flops", "bytes", "start", "end", "busy", "tasks"])
        self.assertEqual(row["name"], "tok")
        res = r.resources[0].as_dict()
        self.assertEqual(list(res), ["name", "kind", "busy", "utilisation"])

    def test_pandas(self):
        try:
            import pandas  # noqa: F401
        except ImportError:
            self.skipTest("pandas not installed")
        df = mldc.load(CHIPLET).run().to_pandas()
        self.assertEqual(list(df.columns[:2]), ["name", "kind"])
        self.assertEqual(len(df), 53)


class Explore(unittest.TestCase):
    def test_python_sweep_equals_explore(self):
        """A sweep driven from Python over the explore block's grid gives
        the same numbers as the library's explore and as `mldc explore`."""
        d = mldc.load(CHIPLET)
        pts = d.explore()
        self.assertEqual(len(pts), 12)
        with tempfile.TemporaryDirectory() as t:
            out = os.path.join(t, "x.csv")
            cli("explore", "--quiet", "-j", "1", "-o", out, CHIPLET)
            with open(out) as f:
                rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), 12)
        for p, row in zip(pts, rows):
            r = d.run(set=p.values)
            self.assertEqual(r.metrics["latency"], p.metrics["latency"], p)
            self.assertEqual(r.metrics["energy"], p.metrics["energy"], p)
            self.assertEqual(float(row["latency_s"]), p.metrics["latency"], p)
            self.assertEqual(float(row["energy_j"]), p.metrics["energy"], p)
            self.assertEqual(row["pareto"] in ("1", "yes", "true"), p.pareto, (row, p))
        self.assertTrue(any(p.pareto for p in pts))


if __name__ == "__main__":
    unittest.main()

"""build_backend.py - a PEP 517 build backend for the mldc package, using
only the standard library (so `pip install ./python` works offline, with no
build requirements to fetch).

It builds one kind of artefact, a wheel: the modules of mldc/ and the
shared library libmldc.so ($MLDC_LIB, else ../build/libmldc.so, which `make`
builds), tagged for this platform because of the library.  The version is
the Makefile's VERSION.  Editable installs and source distributions are not
offered: the package is installed from an mldc tree.
"""
import base64
import hashlib
import os
import sysconfig
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
NAME = "mldc"


def _version():
    with open(os.path.join(HERE, "..", "Makefile")) as f:
        for line in f:
            if line.startswith("VERSION"):
                return line.split("=", 1)[1].strip()
    raise RuntimeError("no VERSION in ../Makefile")


def _tag():
    plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return "py3-none-" + plat


def _metadata():
    return ("Metadata-Version: 2.1\nName: %s\nVersion: %s\n"
            "Summary: Python interface to mldc, the multi-level AI hardware design compiler and simulator\n"
            "Requires-Python: >=3.7\nProvides-Extra: pandas\nRequires-Dist: pandas; extra == \"pandas\"\n"
            "Provides-Extra: plot\nRequires-Dist: matplotlib; extra == \"plot\"\n" % (NAME, _version()))


def _files():
    lib = os.environ.get("MLDC_LIB") or os.path.join(HERE, "..", "build", "libmldc.so")
    if not os.path.exists(lib):
        raise RuntimeError("%s not found: run `make` in the mldc tree first (or set MLDC_LIB)" % lib)
    out = []
    pkg = os.path.join(HERE, NAME)
    for f in sorted(os.listdir(pkg)):
        if f.endswith(".py"):
            with open(os.path.join(pkg, f), "rb") as fh:
                out.append(("%s/%s" % (NAME, f), fh.read()))
    with open(lib, "rb") as fh:
        out.append(("%s/libmldc.so" % NAME, fh.read()))
    return out


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d\n" % (path, digest, len(data))


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    di = "%s-%s.dist-info" % (NAME, _version())
    os.makedirs(os.path.join(metadata_directory, di), exist_ok=True)
    with open(os.path.join(metadata_directory, di, "METADATA"), "w") as f:
        f.write(_metadata())
    return di


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    version = _version()
    name = "%s-%s-%s.whl" % (NAME, version, _tag())
    di = "%s-%s.dist-info" % (NAME, version)
    files = _files()
    files.append(("%s/METADATA" % di, _metadata().encode()))
    files.append(("%s/WHEEL" % di, ("Wheel-Version: 1.0\nGenerator: mldc build_backend\nRoot-Is-Purelib: false\n"
                                    "Tag: %s\n" % _tag()).encode()))
    record = "".join(_record_line(p, d) for p, d in files) + "%s/RECORD,,\n" % di
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in files:
            info = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if path.endswith(".so") else 0o644) << 16
            z.writestr(info, data, zipfile.ZIP_DEFLATED)
        z.writestr("%s/RECORD" % di, record)
    return name

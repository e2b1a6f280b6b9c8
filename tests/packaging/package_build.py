"""What the packaging tests share: this build tree, the .deb made from it, what they need."""
import glob
import os
import shutil
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
BIN_DIR = os.environ.get("DF_BIN_DIR") or os.path.join(HERE, "..", "..", "build", "apps")
BUILD_DIR = os.path.dirname(os.path.abspath(BIN_DIR))
SCRIPTS = os.path.join(HERE, "..", "..", "scripts")


def missing(tools, why_root):
    """Why the test cannot run here (not root, a tool or the build's CPack config missing), or None."""
    if os.geteuid() != 0:
        return "needs root (%s)" % why_root
    for tool in tools:
        if shutil.which(tool) is None:
            return "%s is not installed (scripts/setup.sh installs it)" % tool
    if not os.path.exists(os.path.join(BUILD_DIR, "CPackConfig.cmake")):
        return "no CPackConfig.cmake in %s" % BUILD_DIR
    return None


def build_deb(dist):
    """Runs CPack over this build tree into `dist`; returns the path of the one .deb it made."""
    r = subprocess.run(["cpack", "--config", os.path.join(BUILD_DIR, "CPackConfig.cmake"), "-G", "DEB", "-B", dist],
                       capture_output=True, text=True, cwd=BUILD_DIR)
    if r.returncode != 0:
        raise AssertionError("cpack failed:\n" + r.stdout + r.stderr)
    debs = glob.glob(os.path.join(dist, "dragonfly-cpp_*.deb"))
    if len(debs) != 1:
        raise AssertionError("cpack made %s" % debs)
    return debs[0]

"""adhere's one compiled part: the optional fast paths of its language identifier.

Everything else about the package is in pyproject.toml. The extension is optional: where it
cannot be built (no C compiler, or a platform whose floating point rounds differently), the
install goes on and ``adhere.text.langid`` runs the same steps in Python, with the same results.
"""

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class _BuildExt(build_ext):
    """Compile with floating point contraction off: a fused multiply-add rounds once where
    Python rounds twice, and the results must match Python's to the last bit."""

    def build_extensions(self) -> None:
        if self.compiler.compiler_type == "msvc":
            flags = ["/fp:precise"]
        else:
            flags = ["-ffp-contract=off", "-fno-fast-math"]
        for extension in self.extensions:
            extension.extra_compile_args = [*extension.extra_compile_args, *flags]
        super().build_extensions()


setup(
    ext_modules=[
        Extension(
            "adhere.text._langid_speedups",
            sources=["src/adhere/text/_langid_speedups.c"],
            optional=True,
        )
    ],
    cmdclass={"build_ext": _BuildExt},
)

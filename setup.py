"""Build hook for the optional C scanner; everything else lives in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "menshen.text._scan",
            sources=["src/menshen/text/_scan.c"],
            extra_compile_args=["-O3", "-std=c99"],
            optional=True,
        )
    ]
)

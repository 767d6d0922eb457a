"""Packaging for scrapyd: ``scrapyd-deploy`` builds an egg of the project from this file."""

from setuptools import find_packages, setup

setup(
    name="newscrawl",
    version="0.1.0",
    packages=find_packages(exclude=["tests", "tests.*"]),
    entry_points={"scrapy": ["settings = newscrawl.settings"]},
)

"""Data files shipped with codesuggest (starter code sets, curated term lists),
read with importlib.resources so they work from an installed package."""

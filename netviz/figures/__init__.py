"""The figures stage: matplotlib pictures of what the explain stage computed, written as PNG/SVG
files with their captions."""

"""The book's chart colours: the Okabe-Ito palette and the light and dark surfaces."""

#: Okabe-Ito palette, in the order recommended for categorical data.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
TEXT = "#1f2328"
MUTED = "#57606a"
CARD = "#ffffff"
GRID = "#d0d7de"

#: Colours of the dark variant (GitHub dark-like, close to the site theme's dark surface).
DARK = {"card": "#161b22", "text": "#e6edf3", "muted": "#9da7b3", "grid": "#30363d"}

"""Snakemake adapter: figure (d), the regions on the plane through three MNIST test images for one
network of every split (rule figure_planes)."""

from linregions.data import load_mnist
from linregions.logs import log_to_file
from linregions.planes import figure_planes

smk = snakemake  # noqa: F821 - injected by Snakemake
log_to_file(smk.log[0])
p = smk.params
_, _, x_test, y_test = load_mnist(p.root)
a, b, c = (x_test[i].double().numpy() for i in p.images)
marks = [f"test #{i}: digit {int(y_test[i])}" for i in p.images]
figure_planes(dict(zip(p.names, smk.input.models)), a, b, c, smk.output.png, smk.output.pdf, smk.output.csv,
              marks=marks, lower=p.lower, upper=p.upper, eps=p.eps)

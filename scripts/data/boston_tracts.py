#!/usr/bin/env python3
"""Converts the 506 Boston census tracts (1970) of Debian's r-cran-spdata
(CC0) into scenarios/cities/boston.geojson: WGS84 longitude and latitude
(RFC 7946), one Polygon or MultiPolygon feature per tract, exteriors
counter-clockwise and holes clockwise, coordinates to 6 decimals (about
0.1 m), a few properties kept (scenarios/cities/README.md says what each
means).

Run once, on a machine with the package installed:
    apt-get install r-cran-spdata
    python3 -m venv /tmp/geo && /tmp/geo/bin/pip install pyshp==3.1.6 pyproj==3.7.2
    /tmp/geo/bin/python scripts/data/boston_tracts.py

The shapefile is in NAD27 (EPSG:4267); it is moved to WGS84 with EPSG's
"NAD27 to WGS 84 (4)" (the conterminous-US Helmert transformation, about
10 m), since the NADCON grids are not shipped with pyproj's wheels.
"""
import json
import pathlib

import pyproj
import shapefile

SOURCE = "/usr/lib/R/site-library/spData/shapes/boston_tracts"
OUT = pathlib.Path(__file__).resolve().parents[2] / "scenarios" / "cities" / "boston.geojson"
KEEP = ["TOWN", "POP", "LSTAT", "MEDV", "CRIM", "NOX", "RM", "PTRATIO", "DIS"]

group = pyproj.transformer.TransformerGroup("EPSG:4267", "EPSG:4326", always_xy=True)
(to_wgs84,) = [t for t in group.transformers if "NAD27 to WGS 84 (4)" in t.description]


def signed_area(ring):
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:])) / 2


def oriented(ring, exterior):
    ring = [tuple(round(c, 6) for c in to_wgs84.transform(x, y)) for x, y in ring]
    counter_clockwise = signed_area(ring) > 0
    return [list(p) for p in (ring if counter_clockwise == exterior else ring[::-1])]


def geometry(shape):
    geo = shape.__geo_interface__
    polygons = [geo["coordinates"]] if geo["type"] == "Polygon" else geo["coordinates"]
    rings = [[oriented(r, i == 0) for i, r in enumerate(polygon)] for polygon in polygons]
    if len(rings) == 1:
        return {"type": "Polygon", "coordinates": rings[0]}
    return {"type": "MultiPolygon", "coordinates": rings}


reader = shapefile.Reader(SOURCE)
features = []
for shape_record in reader.shapeRecords():
    record = shape_record.record.as_dict()
    properties = {"NAME": f"{record['TOWN']} {record['poltract']}"}
    properties.update({key: record[key] for key in KEEP})
    features.append({"type": "Feature", "properties": properties, "geometry": geometry(shape_record.shape)})
collection = {"type": "FeatureCollection", "features": features}
OUT.write_text(json.dumps(collection, separators=(",", ":")) + "\n")
print(f"wrote {OUT}: {len(features)} tracts, {sum(f['properties']['POP'] for f in features)} residents")

"""Geodesy on the WGS84 ellipsoid: local metric frames and geodesic densification, geodesic areas
(km²), and grid indexes for point queries. Knows nothing of Syria, zones or dates.
"""

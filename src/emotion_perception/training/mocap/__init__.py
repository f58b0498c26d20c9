"""Motion capture to what the node sees: BVH -> 3D joints -> 33 MediaPipe landmarks -> 2D views."""

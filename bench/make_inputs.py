#!/usr/bin/env python3
"""Writes bench/compare.sh's inputs under OUT (default target/bench). Deterministic.

OUT/paper.yaml          the paper's manifest (a copy of examples/nginx.yaml)
OUT/files/mNNNN.yaml    1,000 one-deployment manifests in four shapes (see SHAPES)
OUT/docs-N.yaml         the first N of those manifests as one N-document file, N in 1,10,100,1000
OUT/files-N.txt         the paths of the first N manifests, one a line
"""

import os
import shutil
import sys

COUNTS = (1, 10, 100, 1000)


def paper_like(i):
    return (
        f"name: web-{i:04d}\n"
        "replicas: 3\n"
        "public: true\n"
        "containers:\n"
        "  nginx: { image: nginx:1.7.9, ports: [ 80 ] }\n"
    )


def internal_with_sidecar(i):
    return (
        f"name: api-{i:04d}\n"
        "replicas: 2\n"
        "healthCheck:\n"
        "  path: /healthz\n"
        "containers:\n"
        "  app:\n"
        f"    image: ghcr.io/example/api:2.{i % 10}.0\n"
        '    ports: ["80:8080"]\n'
        "    env:\n"
        '      LISTEN_ADDR: ":8080"\n'
        "      LOG_FORMAT: json\n"
        "    readOnly: true\n"
        "    capabilities:\n"
        "      drop: [ALL]\n"
        "  log-shipper:\n"
        "    image: fluent/fluent-bit:3.2.4\n"
        '    command: ["/fluent-bit/bin/fluent-bit", "-i", "tcp", "-o", "stdout"]\n'
    )


def worker(i):
    return (
        f"name: worker-{i:04d}\n"
        "replicas: 1\n"
        "containers:\n"
        "  worker:\n"
        f"    image: ghcr.io/example/worker:1.{i % 7}.3\n"
        f'    command: ["/bin/worker", "--queue", "q{i}"]\n'
        "    env: { QUEUE_URL: https://queue.example.com/q }\n"
    )


def three_containers(i):
    return (
        f"name: shop-{i:04d}\n"
        "replicas: 2\n"
        "public: true\n"
        "containers:\n"
        "  frontend:\n"
        "    image: ghcr.io/example/frontend:5.0.1\n"
        '    ports: ["80:3000", "443:3443"]\n'
        "    uid: 1000\n"
        "    gid: 1000\n"
        "  cart:\n"
        "    image: ghcr.io/example/cart:1.9.0\n"
        "    env: { CART_PORT: \"7070\" }\n"
        "  cache:\n"
        "    image: redis:7.4.1\n"
        '    command: ["redis-server", "--save", ""]\n'
    )


SHAPES = (paper_like, internal_with_sidecar, worker, three_containers)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "target/bench"
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    files_dir = os.path.join(out, "files")
    if os.path.isdir(files_dir):
        shutil.rmtree(files_dir)
    os.makedirs(files_dir)
    shutil.copyfile(os.path.join(repo, "examples", "nginx.yaml"), os.path.join(out, "paper.yaml"))
    texts = [SHAPES[i % len(SHAPES)](i) for i in range(max(COUNTS))]
    paths = []
    for i, text in enumerate(texts):
        path = os.path.join(files_dir, f"m{i:04d}.yaml")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        paths.append(path)
    for count in COUNTS:
        with open(os.path.join(out, f"docs-{count}.yaml"), "w", encoding="utf-8") as handle:
            handle.write("---\n".join(texts[:count]))
        with open(os.path.join(out, f"files-{count}.txt"), "w", encoding="utf-8") as handle:
            handle.write("\n".join(paths[:count]) + "\n")


if __name__ == "__main__":
    main()

//! In-process benchmarks of each compiler stage, on three inputs:
//!
//! - `paper`: the paper's manifest (Fig. 5, `examples/nginx.yaml`): one deployment, one container;
//! - `k8s`: the same deployment as a Kubernetes Deployment + LoadBalancer Service (Fig. 2);
//! - `pod10`: one deployment whose pod has ten containers (three behind the load balancer);
//! - `docs99`: one file of 99 `---` documents, one deployment each (the most one template
//!   holds: past that, reading stops at the 100th with I2K018).
//!
//! Stages: `parse` (YAML → span-keeping tree), `read` (parse + check + normalise into the model),
//! `emit` (CloudFormation template + every LinuxKit file from the model) and `compile`
//! (`compile_bytes`, the whole pipeline the CLI runs on a file's bytes).
//!
//! The 50 services of `docs99` exceed CloudFormation's 500 resources, so `emit_template` builds
//! the whole template and then returns the quota error, and `compile_bytes` reports it (I2K018)
//! instead of outputs. The work measured is the same up to that last check; `emit` still times
//! every LinuxKit file.
//!
//! `keys` parses one mapping of 2,500 to 20,000 keys: its throughput stays flat only while the
//! duplicate-key check is linear.
//!
//! Run: `cargo bench --bench compile` (about 70 s once built). Whole-process comparisons with other
//! tools are in `bench/compare.sh`; figures are in BENCHMARKS.md.

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use i2kit::compile::compile_bytes;
use i2kit::compile::infer_application;
use i2kit::emit::cloudformation::emit_template;
use i2kit::emit::linuxkit::emit_linuxkit;
use i2kit::infer::group::plan_groups;
use i2kit::input::kubernetes::restriction::Waivers;
use i2kit::input::read_application;
use i2kit::source::SourceFile;
use i2kit::yaml::parse_documents;
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;

/// The paper's manifest, the same bytes as the example users start from.
const PAPER: &str = include_str!("../examples/nginx.yaml");

/// The paper's Fig. 2 as Kubernetes objects: a Deployment and the Service in front of it.
/// i2kit compiles it to the same template as `PAPER`.
const KUBERNETES: &str = concat!(
    include_str!("../tests/fixtures/k8s-paper-fig2/input.yaml"),
    r"---
apiVersion: v1
kind: Service
metadata:
  name: nginx-deployment
spec:
  type: LoadBalancer
  selector:
    app: nginx
  ports:
  - port: 80
    targetPort: 80
"
);

/// One deployment whose pod has ten containers: three serve ports, seven are workers.
fn pod10() -> String {
    let mut text = String::from(
        "name: pod10\nreplicas: 2\npublic: true\nhealthCheck:\n  path: /healthz\ncontainers:\n",
    );
    for i in 0..10 {
        let _ = writeln!(text, "  c{i}:\n    image: ghcr.io/example/svc{i}:1.{i}.0");
        if i < 3 {
            let _ = writeln!(text, "    ports: [\"{}:{}\"]", 8000 + i, 9000 + i);
        } else {
            let _ = writeln!(text, "    command: [\"/bin/worker\", \"--id\", \"{i}\"]");
        }
        let _ = writeln!(
            text,
            "    env:\n      ROLE: c{i}\n      LOG_FORMAT: json\n    readOnly: true\n    capabilities:\n      drop: [ALL]"
        );
    }
    text
}

/// `count` deployments as `---` documents of one file: alternately paper-like (one public
/// nginx) and a two-container pod behind an internal load balancer.
fn documents(count: usize) -> String {
    let mut text = String::new();
    for i in 0..count {
        if i > 0 {
            text.push_str("---\n");
        }
        if i % 2 == 0 {
            let _ = writeln!(
                text,
                "name: web-{i}\nreplicas: 3\npublic: true\ncontainers:\n  nginx: {{ image: nginx:1.7.9, ports: [ 80 ] }}"
            );
        } else {
            let _ = writeln!(
                text,
                "name: api-{i}\nreplicas: 2\ncontainers:\n  app:\n    image: ghcr.io/example/api:2.{}.0\n    ports: [\"80:8080\"]\n    env: {{ LISTEN_ADDR: \":8080\" }}\n  log-shipper:\n    image: fluent/fluent-bit:3.2.4",
                i % 10
            );
        }
    }
    text
}

struct Input {
    name: &'static str,
    text: String,
    deployments: usize,
}

fn inputs() -> Vec<Input> {
    vec![
        Input {
            name: "paper",
            text: PAPER.to_string(),
            deployments: 1,
        },
        Input {
            name: "k8s",
            text: KUBERNETES.to_string(),
            deployments: 1,
        },
        Input {
            name: "pod10",
            text: pod10(),
            deployments: 1,
        },
        Input {
            name: "docs99",
            text: documents(99),
            deployments: 99,
        },
    ]
}

/// Fails loudly if an input stopped being what its benchmark claims to measure.
fn check(input: &Input) {
    let source = SourceFile::new(input.name, input.text.clone());
    let (application, diagnostics) = infer_application(&source, Waivers::default());
    let application =
        application.unwrap_or_else(|| panic!("{}: does not read: {:?}", input.name, diagnostics));
    assert_eq!(
        application.deployments.len(),
        input.deployments,
        "{}",
        input.name
    );
    let (_, compilation) = compile_bytes(input.name, input.text.as_bytes(), false);
    if input.deployments == 1 {
        assert!(
            compilation.template.is_some(),
            "{}: {:?}",
            input.name,
            compilation.diagnostics
        );
    }
}

fn configure(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .sampling_mode(SamplingMode::Flat);
}

fn stages(c: &mut Criterion) {
    let inputs = inputs();
    inputs.iter().for_each(check);

    let mut group = c.benchmark_group("parse");
    configure(&mut group);
    for input in &inputs {
        group.throughput(Throughput::Bytes(input.text.len() as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(input.name),
            &input.text,
            |b, text| {
                b.iter(|| parse_documents(black_box(text)));
            },
        );
    }
    group.finish();

    // Keys of one mapping: the duplicate-key check must stay linear, so keys per second stays
    // flat from 2,500 to 20,000 keys (it fell fourfold per doubling when quadratic).
    let mut group = c.benchmark_group("keys");
    configure(&mut group);
    for count in [2_500usize, 5_000, 10_000, 20_000] {
        let text: String = (0..count).fold(String::new(), |mut text, i| {
            let _ = writeln!(text, "key{i}: {i}");
            text
        });
        group.throughput(Throughput::Elements(count as u64));
        group.bench_with_input(BenchmarkId::from_parameter(count), &text, |b, text| {
            b.iter(|| parse_documents(black_box(text)));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("read");
    configure(&mut group);
    for input in &inputs {
        let source = SourceFile::new(input.name, input.text.clone());
        group.throughput(Throughput::Elements(input.deployments as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(input.name),
            &source,
            |b, source| {
                b.iter(|| read_application(black_box(source), Waivers::default()));
            },
        );
    }
    group.finish();

    let mut group = c.benchmark_group("emit");
    configure(&mut group);
    for input in &inputs {
        let source = SourceFile::new(input.name, input.text.clone());
        let mut application = infer_application(&source, Waivers::default())
            .0
            .expect("checked above");
        plan_groups(&mut application);
        group.throughput(Throughput::Elements(input.deployments as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(input.name),
            &application,
            |b, application| {
                b.iter(|| {
                    let template = emit_template(black_box(application));
                    let linuxkit: Result<Vec<String>, _> =
                        application.deployments.iter().map(emit_linuxkit).collect();
                    (template, linuxkit)
                });
            },
        );
    }
    group.finish();

    let mut group = c.benchmark_group("compile");
    configure(&mut group);
    for input in &inputs {
        group.throughput(Throughput::Elements(input.deployments as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(input.name),
            input.text.as_bytes(),
            |b, bytes| {
                b.iter(|| compile_bytes("bench.yaml", black_box(bytes), false));
            },
        );
    }
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);

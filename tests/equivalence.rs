//! The paper's claim, checked: its Kubernetes Deployment (Fig. 2) and its i2kit manifest
//! (Fig. 5) describe the same thing, so they compile to the same bytes.

use i2kit::compile::compile_bytes;

/// The same bytes as the golden fixtures of the two figures.
const FIG_2: &str = include_str!("fixtures/k8s-paper-fig2/input.yaml");
const FIG_5: &str = include_str!("fixtures/paper-nginx/input.yaml");

#[test]
fn figure_2_and_figure_5_compile_to_the_same_outputs() {
    let (_, kubernetes) = compile_bytes("fig2.yaml", FIG_2.as_bytes(), true);
    let (_, short) = compile_bytes("fig5.yaml", FIG_5.as_bytes(), true);
    assert!(
        kubernetes.diagnostics.is_empty(),
        "{:?}",
        kubernetes.diagnostics
    );
    assert!(short.diagnostics.is_empty(), "{:?}", short.diagnostics);
    assert_eq!(kubernetes.linuxkit, short.linuxkit, "LinuxKit files differ");
    assert_eq!(kubernetes.template, short.template, "templates differ");
    assert!(
        short
            .template
            .is_some_and(|template| template.contains("\"Type\": \"application\""))
    );
}

/// A short manifest's ports are a service named after the deployment: the same as a
/// Kubernetes Service of that name in front of it.
#[test]
fn a_service_makes_the_same_deployment_public() {
    let with_service = format!(
        "{FIG_2}---\napiVersion: v1\nkind: Service\nmetadata: {{name: nginx-deployment}}\nspec:\n  type: LoadBalancer\n  selector: {{app: nginx}}\n  ports: [{{port: 80}}]\n"
    );
    let public_short = FIG_5.replace("replicas: 3\n", "replicas: 3\npublic: true\n");
    let (_, kubernetes) = compile_bytes("fig2.yaml", with_service.as_bytes(), true);
    let (_, short) = compile_bytes("fig5.yaml", public_short.as_bytes(), true);
    assert_eq!(kubernetes.template, short.template);
    assert_eq!(kubernetes.linuxkit, short.linuxkit);
}

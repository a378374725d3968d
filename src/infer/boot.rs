//! Containers with values known only at boot run wrapped (`crate::emit::boot`): the wrapper
//! must know the command line it runs in the end, which only `command` (or `args` after an
//! entrypoint the image lock records) tells once the image pass has run.

use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Application, Container};

/// An error for each container with boot values whose command line cannot be wrapped.
#[must_use]
pub fn check_boot_wrapping(application: &Application) -> Vec<Diagnostic> {
    application
        .deployments
        .iter()
        .flat_map(|deployment| {
            deployment
                .containers
                .iter()
                .chain(&deployment.init_containers)
        })
        .filter(|container| !container.boot_env.is_empty())
        .filter_map(check_container)
        .collect()
}

fn check_container(container: &Container) -> Option<Diagnostic> {
    let name = &container.name;
    let span = container.spans.boot.or(container.spans.image);
    match container.command.as_deref() {
        None | Some([]) => Some(
            Diagnostic::error(
                Code::BootValue,
                span,
                format!("container `{name}` gets values only when its VM boots, and its command line is unknown, so nothing can set them before it runs"),
            )
            .with_help("write the container's `command` (and `args`): i2kit runs it through a wrapper that sets the values first; an image lock (`--images`) tells the entrypoint, but not the image's CMD"),
        ),
        // busybox `env` would take such a word for one more variable.
        Some([program, ..]) if program.contains('=') => Some(
            Diagnostic::error(
                Code::BootValue,
                container.spans.command.or(span),
                format!("container `{name}` runs `{program}`, whose `=` the wrapper that sets its boot values would take for a variable"),
            )
            .with_help("name the program without `=` (a path or a link to it)"),
        ),
        Some(_) => None,
    }
}

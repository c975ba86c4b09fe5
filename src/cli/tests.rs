//! The command line explains itself: every command and option has help
//! text, and the options every command takes are listed apart.

use clap::CommandFactory;

use super::{Cli, GLOBAL_HEADING};

/// Every subcommand without an about text and every visible argument
/// without help text, by its command path.
fn undocumented(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        if arg.get_help().is_none() && arg.get_long_help().is_none() {
            missing.push(format!("{path} {}", arg.get_id()));
        }
    }
    // clap's own `help` subcommand documents itself.
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let sub_path = format!("{path} {}", sub.get_name());
        if sub.get_about().is_none() && sub.get_long_about().is_none() {
            missing.push(sub_path.clone());
        }
        undocumented(sub, &sub_path, missing);
    }
}

fn built() -> clap::Command {
    let mut cmd = Cli::command();
    cmd.build();
    cmd
}

/// Every command below the top, with its path.
fn all_commands(cmd: &clap::Command, path: String, out: &mut Vec<(String, clap::Command)>) {
    for sub in cmd.get_subcommands() {
        let sub_path = format!("{path} {}", sub.get_name());
        out.push((sub_path.clone(), sub.clone()));
        all_commands(sub, sub_path, out);
    }
}

#[test]
fn every_command_and_option_has_help_text() {
    let mut missing = Vec::new();
    undocumented(&built(), "portico", &mut missing);
    assert!(missing.is_empty(), "no help text: {missing:#?}");
}

#[test]
fn global_options_are_listed_apart_from_each_commands_own() {
    let top = built();
    let globals: Vec<_> = top
        .get_arguments()
        .filter(|a| a.is_global_set())
        .map(|a| a.get_id().clone())
        .collect();
    assert!(globals.iter().any(|g| g == "database_url"), "{globals:?}");
    let mut commands = Vec::new();
    all_commands(&top, "portico".into(), &mut commands);
    assert!(
        commands.len() > 20,
        "walked only {} commands",
        commands.len()
    );
    for (path, cmd) in &commands {
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            let heading = arg.get_help_heading();
            let is_global = globals.contains(arg.get_id());
            if is_global {
                assert_eq!(heading, Some(GLOBAL_HEADING), "{path} {}", arg.get_id());
            } else {
                assert_ne!(heading, Some(GLOBAL_HEADING), "{path} {}", arg.get_id());
            }
        }
    }
}

#[test]
fn a_commands_help_shows_the_global_heading_after_its_own_options() {
    let mut cmd = built();
    let serve = cmd.find_subcommand_mut("serve").expect("serve");
    let help = serve.render_help().to_string();
    let own = help.find("--bind").expect("--bind in serve's help");
    let heading = help.find(GLOBAL_HEADING).expect("the global heading");
    let global = help
        .find("--database-url")
        .expect("--database-url in serve's help");
    assert!(own < heading && heading < global, "{help}");
}

mod apps;
mod groups;
mod keys;
mod policies;
mod providers;
mod user_actions;
mod users;
mod users_browser;

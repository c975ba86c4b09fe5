mod keys;
mod policies;
mod providers;

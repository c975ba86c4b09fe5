mod apps;

namespace grens::adapters {}  // placeholder until the first adapter lands
